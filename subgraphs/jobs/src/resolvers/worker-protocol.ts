// The worker protocol's mutations (internal callers only): read the input, call the service.
import type { MutationResolvers } from '../generated/resolvers-types.ts';
import { completeInput, failInput, heartbeatInput, leaseInput, parseInput } from '../inputs.ts';
import * as protocol from '../services/worker-protocol.ts';

export const WorkerMutation: MutationResolvers = {
  async leaseJobs(_p, args, ctx) {
    return { jobs: await protocol.leaseJobs(ctx, parseInput(leaseInput, args.input)) };
  },
  async heartbeatJob(_p, args, ctx) {
    return { job: await protocol.heartbeatJob(ctx, parseInput(heartbeatInput, args.input)) };
  },
  async completeJob(_p, args, ctx) {
    return { job: await protocol.completeJob(ctx, parseInput(completeInput, args.input)) };
  },
  async failJob(_p, args, ctx) {
    return { job: await protocol.failJob(ctx, parseInput(failInput, args.input)) };
  },
};
