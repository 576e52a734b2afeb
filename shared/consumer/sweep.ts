import { describeError } from './failures';
import { type StoredSweepEntry, sweepVerdict } from './tombstones';

type Raw = Record<string, unknown>;

/** What a store lends the sweep loop; `remove` and `drop` are conditional and say whether they took effect. */
export interface SweepPort {
  /** One page of the service's entries in `sk` order, starting after `after`; `more`: a next page exists. */
  page(after: string | undefined): Promise<{ entries: readonly StoredSweepEntry[]; more: boolean }>;
  /** A consistent read of the entry's state item as stored. */
  readRaw(entry: StoredSweepEntry): Promise<Raw | undefined>;
  checkpointsOf(units: readonly string[]): Promise<ReadonlyMap<string, string | undefined>>;
  /** The tombstone grace: a fence on a tombstone goes only once it is this old (`settledUnits`). */
  readonly graceMs: number;
  /** Removes the tombstone and the entry when both are as read (fences, `sweepAfter`). */
  remove(entry: StoredSweepEntry, raw: Raw): Promise<boolean>;
  /** Drops the entry when it is as read and no tombstone is on its item (a new one may have come since). */
  drop(entry: StoredSweepEntry): Promise<boolean>;
}

/** Bounds of one sweep. */
export interface SweepOptions {
  /** Milliseconds the sweep may still start an entry in (checked before each): the answer comes first. @default unbounded */
  readonly timeLeft?: () => number;
  /**
   * Aborts the sweep's calls when the time it has is up (review R1): `timeLeft` is checked before an
   * entry, but one entry's calls (a read, a BatchGet, a transaction, each up to 3 SDK attempts of 10 s
   * under throttling) could otherwise outlast the invocation after its batch committed, and a timeout
   * then spends one of the mapping's retries. The DynamoDB store passes it to the SDK as `abortSignal`;
   * every call of the loop also stops waiting on it. An aborted call is logged as an entry failure.
   * @default none
   */
  readonly signal?: AbortSignal;
  /** Per-entry failures (AccessDenied, throttling) are logged here and the sweep goes on. */
  readonly log?: (level: 'warn', message: string, fields: Record<string, unknown>) => void;
}

/** What one sweep did: tombstones removed, and in how long the earliest grace end it saw ahead passes (0: entries left now). */
export interface SweepResult {
  readonly removed: number;
  readonly nextDueInMs?: number;
}

/** `work`, or its signal's reason once that aborts first (a call left running is read by nobody). */
const untilAborted = <T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', stop);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(error);
      },
    );
  });
};

/**
 * One sweep (tombstones.ts): a page of entries after `cursor.after` (kept per container, so entries that
 * stay, unsettled or in their grace, do not hide the ones after them: the next sweep reads on, and wraps
 * to the start after the last page). Entries in their grace cost nothing but their place in the page;
 * each due one costs a read and a BatchGet of its units' checkpoints, and one transaction when it goes.
 * The time is checked before each entry. An entry that fails is logged (table and error, never the
 * erased key) and left for a later sweep; the others go on.
 */
export const sweepEntries = async (
  port: SweepPort,
  cursor: { after?: string },
  now: () => number,
  options: SweepOptions = {},
): Promise<SweepResult> => {
  const until = <T>(work: Promise<T>) => untilAborted(work, options.signal);
  let page = await until(port.page(cursor.after));
  if (page.entries.length === 0 && cursor.after !== undefined) {
    cursor.after = undefined;
    page = await until(port.page(undefined));
  }
  let removed = 0;
  let nextDueAt: number | undefined;
  let done = 0;
  for (const entry of page.entries) {
    if ((options.timeLeft && options.timeLeft() <= 0) || options.signal?.aborted) break;
    const at = now();
    done += 1;
    if (entry.sweepAfter !== undefined && entry.sweepAfter > at) {
      nextDueAt = Math.min(nextDueAt ?? entry.sweepAfter, entry.sweepAfter);
      continue;
    }
    try {
      const raw = await until(port.readRaw(entry));
      const verdict = await sweepVerdict(raw, (units) => until(port.checkpointsOf(units)), {
        now: now(),
        graceMs: port.graceMs,
      });
      if (verdict === 'remove' && raw) removed += (await until(port.remove(entry, raw))) ? 1 : 0;
      else if (verdict === 'drop') await until(port.drop(entry));
    } catch (error) {
      options.log?.('warn', 'tombstone sweep: an entry failed; left for a later sweep', {
        table: entry.table,
        error: describeError(error),
      });
      // Cut by the time: this entry counts as not looked at, so the next sweep starts with it, at once.
      if (options.signal?.aborted) {
        done -= 1;
        break;
      }
    }
  }
  const stopped = done < page.entries.length;
  const last = page.entries[done - 1]?.sk;
  // Stopped for time: what is left is due now. Whole page read: go on after it, or wrap to the start.
  cursor.after = stopped || page.more ? (last ?? cursor.after) : undefined;
  const nextDueInMs = stopped ? 0 : nextDueAt === undefined ? undefined : Math.max(0, nextDueAt - now());
  return { removed, ...(nextDueInMs !== undefined && { nextDueInMs }) };
};

/** When this container's sweeps should run again (per container, as `Backoff`; end-sweep.ts). */
export class SweepSchedule {
  /** When (epoch ms) the earliest grace end a sweep saw ahead passes, or now when one stopped for time; none: nothing known. */
  dueAt: number | undefined;
}
