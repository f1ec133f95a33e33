// Deliberate breaking changes are approved in schema/approvals.yaml, one entry per change id (as
// the check report prints it), each with who approved it and why, so the decision is recorded in
// the repository next to the change it allows.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export interface Approval {
  change: string;
  reason: string;
  approvedBy: string;
}

const approvalsFile = z
  .object({
    approvals: z
      .array(
        z
          .object({
            change: z
              .string()
              .regex(/^[A-Z_]+:\S+$/, 'a change id as the report prints it, e.g. FIELD_REMOVED:Job.workerId'),
            reason: z.string().trim().min(10, 'say why the break is acceptable (at least 10 characters)'),
            approvedBy: z.string().trim().min(1),
          })
          .strict(),
      )
      .nullable()
      .default([]),
  })
  .strict();

/** Parses the approvals file; a missing file approves nothing, an invalid one is an error. */
export function readApprovals(source: string | undefined): { approvals: Approval[]; problems: string[] } {
  if (source === undefined) return { approvals: [], problems: [] };
  let raw: unknown;
  try {
    raw = parseYaml(source) ?? {};
  } catch (err) {
    return { approvals: [], problems: [(err as Error).message] };
  }
  const parsed = approvalsFile.safeParse(raw);
  if (!parsed.success)
    return {
      approvals: [],
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    };
  return { approvals: parsed.data.approvals ?? [], problems: [] };
}
