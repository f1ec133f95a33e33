// `npm run bench [-- shield|tokens|operation|idempotency|replay|limits]`: the benchmarks, printed as figures and ratios. They are run
// by hand (or by a CI bench job), never as timed tests: wall-clock figures on a shared 2-core
// machine are for comparing variants measured in the same run.
import { runIdempotencyBench } from './idempotency.ts';
import { runLimitsBench } from './limits.ts';
import { runOperationBench } from './operation.ts';
import { runReplayBench } from './replay.ts';
import { runShieldBench } from './shield.ts';
import { runTokenBench } from './tokens.ts';

const which = process.argv.slice(2);
const want = (name: string) => which.length === 0 || which.includes(name);
console.log(`node ${process.version}, ${new Date().toISOString()}`);
if (want('shield')) await runShieldBench();
if (want('tokens')) await runTokenBench();
if (want('operation')) await runOperationBench();
if (want('idempotency')) await runIdempotencyBench();
if (want('replay')) await runReplayBench();
if (want('limits')) await runLimitsBench();
