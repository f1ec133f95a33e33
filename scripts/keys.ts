// `npm run keys -- <kind> ...`: key tooling. `internal`: a new internal credential (keys-internal.ts).
import { INTERNAL_USAGE, runInternalKeys } from './keys-internal.ts';

const [kind, ...rest] = process.argv.slice(2);
try {
  if (kind === 'internal') runInternalKeys(rest);
  else throw new Error(INTERNAL_USAGE);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
