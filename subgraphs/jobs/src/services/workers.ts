// The platform's worker registry as administrators read it.
import {
  cursorCodec,
  pageFromRows,
  pageRequest,
  toConnection,
  type Connection,
  type ConnectionArgs,
  type CursorCodec,
} from '@eventzr/lib/connection';
import { inTenant, requireUser, type BaseContext } from '@eventzr/lib/context';
import { z } from 'zod';
import { countWorkers, listWorkers, type WorkerKey, type WorkerView } from '../repositories/workers.ts';

const workerKey = z.object({ id: z.string().min(1).max(128) }).strict();

export const workerCursors = (tenantId: string): CursorCodec<WorkerKey> =>
  cursorCodec('workers', tenantId, (k) => workerKey.parse(k));

/** The registry by id. It is platform infrastructure: any tenant scope may read it (see its RLS policy). */
export async function workerConnection(ctx: BaseContext, args: ConnectionArgs): Promise<Connection<WorkerView>> {
  const user = requireUser(ctx);
  const codec = workerCursors(user.tenantId);
  const req = pageRequest(args, codec);
  const keyOf = (w: WorkerView) => ({ id: w.id });
  const rows = await inTenant(ctx, (tx) => listWorkers(tx, req));
  const page = pageFromRows(rows, req.limit, keyOf, codec);
  return toConnection(page, req, keyOf, codec, () => inTenant(ctx, (tx) => countWorkers(tx)));
}
