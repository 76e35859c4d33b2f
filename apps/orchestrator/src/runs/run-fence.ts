import { ConflictException } from '@nestjs/common';
import { conflict } from '../common/api-errors.js';
import type { Prisma } from '../generated/prisma/client.js';

/** Who claims to write for a run: the worker and the attempt it was handed. */
export interface Writer {
  workerId: string;
  attempt: number;
}

/** Whether `writer` holds the run's current attempt: the condition every worker write is checked against. */
export function isHeldBy(run: { status: string; workerId: string | null; attempt: number }, writer: Writer): boolean {
  return run.status === 'running' && run.workerId === writer.workerId && run.attempt === writer.attempt;
}

/** The 409 a worker reads as "this attempt is over": it drops the attempt's items on purpose. */
export function fenced(
  runId: string,
  writer: Writer,
  found?: { status: string; attempt: number } | null,
): ConflictException {
  const now = found ? ` (the run is ${found.status} at attempt ${found.attempt})` : '';
  return conflict(`run ${runId} attempt ${writer.attempt} is not held by worker ${writer.workerId}${now}`);
}

/**
 * Locks the run's row for the rest of the transaction if, and only if, `writer` holds its current attempt
 * (`WHERE attempt = $n`), and returns the highest event batch stored for it. The lock keeps a lease expiry
 * or a cancel from slipping between this check and the write: they wait for the commit, and a write
 * that lost the race finds the new attempt and gets 409.
 */
export async function lockHeldRun(tx: Prisma.TransactionClient, runId: string, writer: Writer): Promise<number> {
  const rows = await tx.$queryRaw<{ deliveredSeq: number }[]>`
    SELECT "deliveredSeq" FROM "Run"
     WHERE id = ${runId}::uuid AND attempt = ${writer.attempt} AND "workerId" = ${writer.workerId}::uuid
       AND status = 'running'
       FOR UPDATE`;
  if (rows[0]) return rows[0].deliveredSeq;
  const found = await tx.run.findUnique({ where: { id: runId }, select: { status: true, attempt: true } });
  throw fenced(runId, writer, found);
}
