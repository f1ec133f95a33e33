// The request context every subgraph resolver receives, and the helpers that read it.
import type { Caller, UserCaller } from './claims.ts';
import type { Database, Tx } from './db.ts';
import { forbidden, unauthenticated } from './errors.ts';
import type { Logger } from './logger.ts';

export interface BaseContext {
  caller: Caller;
  requestId: string;
  database: Database;
  log: Logger;
}

export type Context<L> = BaseContext & { loaders: L };

/** The calling user, or UNAUTHENTICATED / FORBIDDEN for anyone else. */
export function requireUser(ctx: BaseContext): UserCaller {
  if (ctx.caller.kind === 'user') return ctx.caller;
  if (ctx.caller.kind === 'internal') throw forbidden('A user token is required');
  throw unauthenticated();
}

/** Runs `fn` in a transaction scoped (by RLS) to the calling user's tenant. */
export function inTenant<T>(ctx: BaseContext, fn: (tx: Tx, user: UserCaller) => Promise<T>): Promise<T> {
  const user = requireUser(ctx);
  return ctx.database.run({ tenantId: user.tenantId }, (tx) => fn(tx, user));
}
