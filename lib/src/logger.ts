// Structured JSON logs (pino). Secrets and tokens are redacted wherever they appear.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-internal-api-key"]',
        'req.headers["x-api-key"]',
        'req.headers["x-eventzr-claims"]',
        '*.password',
        '*.refreshToken',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
  });
}
