import type { BatchDeps } from './batch-deps';
import { describeError } from './failures';

/**
 * The tombstone sweep once the batch has answered, committed or not. It runs when the batch may have
 * settled a fence or left a tombstone (`due`: it wrote alone, re-ran records at or below a loaded
 * `fencedTo`, or deleted), and on every batch of the container once a grace end it saw has passed
 * (`SweepSchedule`), with the time the answer leaves: no entry starts within twice the deadline margin
 * of the end. Best effort: a failed sweep is logged and leaves its entries to the next one. One
 * consistent Query (1 RCU) when there is nothing to sweep.
 */
export const sweepAfterBatch = async (deps: BatchDeps, shardId: string, due: boolean): Promise<void> => {
  const now = Date.now();
  const dueAt = deps.sweeps?.dueAt;
  if (!due && (dueAt === undefined || now < dueAt)) return;
  const reserve = 2 * (deps.deadlineMarginMs ?? 2_000);
  const left = deps.remainingMs?.();
  if (left !== undefined && left <= reserve) return;
  const position = { service: deps.service, topic: deps.topic, shardId };
  try {
    const remaining = deps.remainingMs;
    const result = await deps.store.sweepTombstones(position, {
      ...(remaining && { timeLeft: () => remaining() - reserve }),
      // Calls in flight are cut at the same point, so the batch answers before the invocation's end.
      ...(left !== undefined && { signal: AbortSignal.timeout(left - reserve) }),
      ...(deps.log && { log: deps.log }),
    });
    if (deps.sweeps)
      deps.sweeps.dueAt = result.nextDueInMs === undefined ? undefined : Date.now() + result.nextDueInMs;
  } catch (error) {
    deps.log?.('warn', 'tombstone sweep failed; left for a later sweep', { error: describeError(error) });
  }
};
