// The platform's worker registry as administrators read it.
import { cursorCodec, paginate, type Connection, type ConnectionArgs, type CursorCodec } from '@eventzr/lib/connection';
import { inTenant, requireUser, type BaseContext } from '@eventzr/lib/context';
import { z } from 'zod';
import { countWorkers, listWorkers, type WorkerKey, type WorkerView } from '../repositories/workers.ts';

const workerKey = z.object({ id: z.string().min(1).max(128) }).strict();

export const workerCursors = (tenantId: string): CursorCodec<WorkerKey> =>
  cursorCodec('workers', tenantId, (k) => workerKey.parse(k));

/** The registry by id. It is platform infrastructure: any tenant scope may read it (see its RLS policy). */
export async function workerConnection(ctx: BaseContext, args: ConnectionArgs): Promise<Connection<WorkerView>> {
  const user = requireUser(ctx);
  return paginate(
    args,
    workerCursors(user.tenantId),
    (w: WorkerView) => ({ id: w.id }),
    (req) => inTenant(ctx, (tx) => listWorkers(tx, req)),
    () => inTenant(ctx, (tx) => countWorkers(tx)),
  );
}
