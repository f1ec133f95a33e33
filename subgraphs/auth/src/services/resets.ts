// The password-reset sender: the background half of `requestPasswordReset`. The request path only
// queues (password_reset_requests), so a known and an unknown email answer after the same work;
// this task, in every auth process, takes queued requests, issues a hashed, expiring token to the
// identity holding the email (when there is one, and it is a member of the tenant the request
// named, if any), delivers it, and deletes the request, all in one transaction. A crash before
// that commit leaves the request queued for the next run: delivery is at least once, and a second
// delivery only supersedes the first token (only the latest one works).
import { randomUUID } from 'node:crypto';
import type { Database } from '@eventzr/lib/db';
import type { Logger } from '@eventzr/lib/logger';
import type { BackgroundTask } from '@eventzr/lib/subgraph';
import type { AuthConfig } from '../config.ts';
import { authConfigFromEnv, type env } from '../config.ts';
import { loginCandidate } from '../repositories/identities.ts';
import {
  deleteResetRequests,
  lookUpEmail,
  replaceResetToken,
  takeResetRequests,
} from '../repositories/password-resets.ts';
import { newOpaqueToken } from './tokens.ts';

/** Requests handled per transaction. */
const BATCH = 20;
/** How often an idle sender looks at the queue. */
export const RESET_POLL_MS = 1000;

/** Where a reset token goes. There is no mail service yet: see `logDelivery`. */
export type ResetDelivery = (to: { email: string; identityId: string }, token: string) => Promise<void> | void;

/** Until a mail service exists: the raw token is logged in development only, never elsewhere. */
export function logDelivery(config: Pick<AuthConfig, 'nodeEnv'>, log: Logger): ResetDelivery {
  return (to, token) => {
    log.info({ event: 'password_reset_issued', identityId: to.identityId }, 'password reset issued');
    if (config.nodeEnv === 'development')
      log.info({ email: to.email, resetToken: token }, 'password reset token (development only: no mail service yet)');
  };
}

/**
 * Handles up to one batch of queued requests; returns how many it took. Delivery runs inside the
 * transaction, before the commit that deletes the request: a delivery that throws leaves it queued.
 */
export async function sendQueuedResets(deps: {
  database: Database;
  config: Pick<AuthConfig, 'passwordResetTtlSeconds'>;
  deliver: ResetDelivery;
}): Promise<number> {
  return deps.database.run({ settings: {} }, async (tx) => {
    const requests = await takeResetRequests(tx, BATCH);
    for (const request of requests) {
      await lookUpEmail(tx, request.email);
      const { identity, accounts } = await loginCandidate(tx, request.email);
      if (!identity) continue;
      if (request.onlyTenantId && !accounts.some((a) => a.user.tenantId === request.onlyTenantId)) continue;
      const token = newOpaqueToken();
      const now = new Date();
      await replaceResetToken(tx, {
        id: randomUUID(),
        identityId: identity.id,
        tokenHash: token.hash,
        createdAt: now,
        expiresAt: new Date(now.getTime() + deps.config.passwordResetTtlSeconds * 1000),
      });
      await deps.deliver({ email: identity.email, identityId: identity.id }, token.token);
    }
    await deleteResetRequests(
      tx,
      requests.map((r) => r.id),
    );
    return requests.length;
  });
}

/** The background task: drains the queue, then polls every RESET_POLL_MS; stopping waits for the batch in hand. */
export const resetSender: BackgroundTask<typeof env> = {
  name: 'password-reset-sender',
  start({ env, database, log }) {
    const config = authConfigFromEnv(env);
    const deliver = logDelivery(config, log);
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const tick = () => {
      running = (async () => {
        try {
          while (!stopped && (await sendQueuedResets({ database, config, deliver })) === BATCH);
        } catch (err) {
          log.error({ err }, 'password reset sender failed; the requests stay queued');
        }
        if (!stopped) timer = setTimeout(tick, RESET_POLL_MS);
      })();
    };
    tick();
    return async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    };
  },
};
