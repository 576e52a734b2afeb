import { setTimeout as sleep } from 'node:timers/promises';
import type { KinesisStreamEvent } from 'aws-lambda';
import { lambdaContext } from '../../../../local/context';
import type { FaultCounts } from '../../../../local/faults';
import type { KinesisHandler } from '../../../../shared/consumer';
import type { InvocationOutcome, RunProfile } from './profile';
import { type ArmedRace, playRace, type RaceHooks, type RaceOutcome, raceFor } from './race';
import { type DyingHttpHandler, FUNCTION_TIMEOUT_MS } from './transport';

export { type DieAt, DyingHttpHandler, FUNCTION_TIMEOUT_MS } from './transport';

/** A Lambda execution environment: its own SDK clients (behind `transport`) and handler module state. */
export interface Container {
  readonly transport: DyingHttpHandler;
  readonly handler: KinesisHandler;
  /** Store hooks a race at a closing shard's last batch sets (race.ts). */
  readonly race: RaceHooks;
  /** The first record of `event` its checkpoints do not cover (read through this container's store). */
  firstUnapplied(event: KinesisStreamEvent): Promise<string | undefined>;
  destroy(): void;
}

/**
 * The deadline of a race's invocation (race.ts): a kill at the function timeout before its final commit
 * would decide the race by the machine's speed. The race kills it right after that commit; this only
 * bounds a run that went wrong.
 */
const RACE_DEADLINE_MS = 600_000;

export interface InvocationFaultRates {
  /** The mapping gives up after a short time while the invocation runs on (its retry then races it). */
  readonly timeout: number;
  /**
   * The container dies between two AWS calls of this invocation, anywhere in it: at a request drawn
   * uniformly over a recent invocation's length, before it was sent or after it was applied.
   */
  readonly death: number;
  /** A second invocation of the same or an overlapping batch runs at the same time on another container. */
  readonly duplicate: number;
}

/** A death armed by `dieAfterCommit`: where it happened, and the release of its hold if any. */
export interface CommitDeath {
  readonly shardId: string;
  readonly release?: () => void;
}

interface ArmedDeath {
  readonly tag: string;
  readonly bodyIncludes: string;
  readonly shards?: ReadonlySet<string>;
  readonly hold: boolean;
  readonly fired: (death: CommitDeath) => void;
}

export class InvocationFailedError extends Error {
  readonly code = 'INVOCATION_FAILED';
  constructor(readonly kind: 'timeout' | 'death') {
    super(`invocation ${kind === 'timeout' ? 'timed out' : 'died'} (injected)`);
    this.name = 'InvocationFailedError';
  }
}

/**
 * Plays the Lambda service behind one event source mapping: warm containers are reused, a container
 * that timed out or died is never reused (a timed-out one keeps running as a zombie), and every fault
 * is counted under `invocation.*`. `drain` waits for zombies and duplicates that can still finish.
 */
export const lambdaService = (options: {
  /** A fresh container; `calm`: its clients bypass the fault relays (a race's pair, see `raceLastBatch`). */
  readonly newContainer: (calm?: boolean) => Container;
  readonly rates: InvocationFaultRates;
  readonly random: () => number;
  readonly counts: FaultCounts;
  readonly service?: string;
  readonly profile?: RunProfile;
  /** The function's timeout. @default FUNCTION_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /**
   * The first batch (by its first record) times out on each of its first N deliveries, so a mapping
   * whose retries are N - 1 gives it up for sure rather than by the draw of the rates.
   */
  readonly failFirstBatch?: number;
}) => {
  const { rates, random, counts, profile } = options;
  const timeoutMs = options.timeoutMs ?? FUNCTION_TIMEOUT_MS;
  // The first invocations each get one invocation fault for sure (then the rates decide), so a short
  // run still exercises every kind: at 3,000 events a 3% rate alone misses a kind in about 1 run of 5.
  const forced = (['duplicate', 'death', 'timeout'] as const).filter((kind) => rates[kind] > 0);
  /**
   * The next forced kind. The forced timeout waits for a batch of two records or more: with bisect on,
   * the mapping then splits that batch for sure.
   */
  const takeForced = (event: KinesisStreamEvent, armedDeath: boolean) => {
    if (forced[0] === 'timeout' && event.Records.length < 2) return undefined;
    // An armed death takes this invocation's death; the forced one waits for the next invocation.
    if (forced[0] === 'death' && armedDeath) return undefined;
    return forced.shift();
  };
  const armed: ArmedDeath[] = [];
  const races: ArmedRace[] = [];
  /** Shards a race is armed on: no injected invocation fault there, so no retry comes late. */
  const calm = new Set<string>();
  /** Batch sizes of whole failures (timeout, death) by first record: the mapping's next try shows a bisect. */
  const failedWhole = new Map<string, number>();
  /** Requests per answered invocation, the last 100: where in an invocation a death may fall. */
  const spans: number[] = [];
  const idle: Container[] = [];
  const all: Container[] = [];
  const running = new Set<Promise<unknown>>();
  let enabled = true;
  /** While set, invocations wait before they start: see `hold`. */
  let held: Promise<void> | undefined;
  let holds = 0;
  let open = () => {};
  const hold = (): (() => void) => {
    if (holds === 0)
      held = new Promise<void>((resolve) => {
        open = resolve;
      });
    holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      holds -= 1;
      if (holds > 0) return;
      held = undefined;
      open();
    };
  };
  let doomed: { readonly eventID: string; failures: number } | undefined;
  /** Whether this delivery is one of the first batch's forced failures. */
  const failsForSure = (event: KinesisStreamEvent): boolean => {
    const eventID = event.Records[0]?.eventID;
    if (!options.failFirstBatch || eventID === undefined) return false;
    doomed ??= { eventID, failures: 0 };
    if (doomed.eventID !== eventID || doomed.failures >= options.failFirstBatch) return false;
    doomed.failures += 1;
    return true;
  };
  const fresh = (calm = false) => {
    const c = options.newContainer(calm);
    all.push(c);
    return c;
  };
  /** The shard each running invocation reads (a run settled or dead is dropped from both). */
  const shardOfRun = new Map<Promise<unknown>, string>();
  const track = (c: Container, run: Promise<unknown>, shardId: string) => {
    const forget = (p: Promise<unknown>) => {
      running.delete(p);
      shardOfRun.delete(p);
    };
    const settled = run.catch(() => {}).finally(() => forget(settled));
    // A dead container's run never settles; only live ones are worth waiting for.
    void c.transport.died.then(() => forget(settled));
    running.add(settled);
    shardOfRun.set(settled, shardId);
  };
  /**
   * Until no invocation of `shardId` runs (zombies and twins of its earlier batches included). Each is
   * killed at its function timeout at the latest, so this ends within one timeout whatever the
   * machine's speed; polled because a killed run never settles.
   */
  const quietOn = async (shardId: string) => {
    const on = () => [...shardOfRun].filter(([, s]) => s === shardId).map(([p]) => p);
    for (let runs = on(); runs.length > 0; runs = on()) await Promise.race([...runs, sleep(200)]);
  };

  /** Runs the handler with a Lambda context, and kills the container at its deadline as Lambda does. */
  const start = (c: Container, event: KinesisStreamEvent, twin = false, deadlineMs = timeoutMs) => {
    const began = Date.now();
    const run = c.handler(event, lambdaContext('spine-eo', deadlineMs));
    const killer = setTimeout(() => c.transport.kill(), deadlineMs);
    void run.finally(() => clearTimeout(killer)).catch(() => {});
    if (profile) {
      const first = event.Records[0];
      const note = (outcome: InvocationOutcome, retryAt?: number) =>
        profile.invocation({
          service: options.service ?? '',
          shardId: first?.eventID.slice(0, first.eventID.lastIndexOf(':')) ?? '',
          start: began,
          ms: Date.now() - began,
          outcome,
          records: event.Records.length,
          ...(retryAt !== undefined && { retryAt }),
          ...(twin && { twin }),
        });
      void Promise.race([
        run.then(
          (response) => {
            const failed = response.batchItemFailures[0]?.itemIdentifier;
            if (failed === undefined) return note('ok');
            note(
              'retry',
              event.Records.findIndex((r) => r.kinesis.sequenceNumber === failed),
            );
          },
          () => note('error'),
        ),
        c.transport.died.then(() => note('death')),
      ]);
    }
    return run;
  };

  const invoke = async (event: KinesisStreamEvent) => {
    while (held) await held;
    const first = event.Records[0];
    const shardId = first?.eventID.slice(0, first.eventID.lastIndexOf(':')) ?? '';
    // The mapping split a batch that failed whole (BisectBatchOnFunctionError): its first half comes next.
    const before = failedWhole.get(first?.eventID ?? '');
    if (before !== undefined && before > 1 && event.Records.length === Math.ceil(before / 2))
      counts.add('mapping.bisect');
    failedWhole.delete(first?.eventID ?? '');
    const race = enabled ? raceFor(races, event, shardId) : undefined;
    if (race) {
      races.splice(races.indexOf(race), 1);
      // Forced, not timed: no earlier invocation of the shard (a zombie or twin started before it went
      // calm) is left to commit after the race's reads; the race's clients see no injected fault (a lost
      // answer or throttle could fail the invocation before its commit: a race missed); and its deadline
      // is far above the steps' time, so it is not killed at a function timeout before its commit (a
      // quiet machine takes seconds; CI's is slower).
      await quietOn(shardId);
      const dying = fresh(true);
      const { response, left, missed } = await playRace({
        dying,
        shardId,
        run: (container) => {
          const run = start(container, event, false, RACE_DEADLINE_MS);
          track(container, run, shardId);
          return run;
        },
        firstUnapplied: () => fresh(true).firstUnapplied(event),
      });
      if (left) {
        counts.add(`invocation.race.${race.tag}`);
        race.won(left);
      } else {
        // Not played out (the batch's last commit held no emit, the invocation answered a retry, or
        // records were left unapplied): the next delivery of a last batch plays it.
        counts.add(`invocation.race.missed.${missed}`);
        races.push(race);
      }
      // The race's containers are not reused: their clients bypass the faults the rest of the run must see.
      if (response === undefined) {
        counts.add('invocation.death');
        throw new InvocationFailedError('death');
      }
      return response;
    }
    const c = idle.pop() ?? fresh();
    const faulty = enabled && !calm.has(shardId);
    const arm = enabled ? armed.find((a) => a.shards === undefined || a.shards.has(shardId)) : undefined;
    const force = faulty ? takeForced(event, arm !== undefined) : undefined;
    if (faulty && (force === 'duplicate' || random() < rates.duplicate)) {
      counts.add('invocation.duplicate');
      // The same batch or a prefix of it: what the mapping runs beside a timed-out invocation that
      // still runs (a retry, or a bisected first half). Never a suffix: the mapping only moves past a
      // record once an answered invocation is done with it, and a timed-out answer is discarded, so no
      // batch starts after records that are not done yet.
      const to = 1 + Math.floor(random() * event.Records.length);
      const twin = fresh();
      const copy = start(twin, { Records: event.Records.slice(0, to) }, true);
      track(twin, copy, shardId);
      void copy.then(
        () => idle.push(twin),
        () => idle.push(twin),
      );
    }
    const sentBefore = c.transport.sent;
    if (arm) {
      c.transport.dieAt = {
        request: sentBefore + 1,
        after: true,
        operation: 'TransactWriteItems',
        bodyIncludes: arm.bodyIncludes,
        onlyOk: true,
        tag: arm.tag,
      };
      // Registered before the invocation's own wait on the death: the hold is in place before the
      // mapping hears of the failure (with bisect on it invokes the first half at once).
      void c.transport.died.then(() => {
        if (c.transport.diedOf !== arm.tag || !armed.includes(arm)) return;
        armed.splice(armed.indexOf(arm), 1);
        counts.add(`invocation.commitDeath.${arm.tag}`);
        arm.fired({ shardId, ...(arm.hold && { release: hold() }) });
      });
    }
    // Forced once: right after a commit applied (before the checkpoint's mark is cleared and the
    // outbox published), the window the other deaths only hit by chance.
    else if (force === 'death')
      c.transport.dieAt = { request: sentBefore + 1, after: true, operation: 'TransactWriteItems' };
    else if (faulty && random() < rates.death) {
      const span = spans[Math.floor(random() * spans.length)] ?? 8;
      c.transport.dieAt = { request: sentBefore + 1 + Math.floor(random() * span), after: random() < 0.5 };
    }
    const givesUpAfter =
      force === 'timeout' || (faulty && failsForSure(event))
        ? 0
        : faulty && random() < rates.timeout
          ? Math.floor(random() * 60)
          : undefined;
    const run = start(c, event);
    track(c, run, shardId);
    const timer = new AbortController();
    const outcome = await Promise.race([
      run.then((response) => ({ response })),
      c.transport.died.then(() => ({ failed: 'death' as const })),
      ...(givesUpAfter === undefined
        ? []
        : [sleep(givesUpAfter, { failed: 'timeout' as const }, { signal: timer.signal })]),
    ]).finally(() => timer.abort());
    if ('response' in outcome) {
      // An armed death that did not come (no commit with an emit) must not follow the container elsewhere.
      if (arm) c.transport.dieAt = undefined;
      spans.push(c.transport.sent - sentBefore);
      if (spans.length > 100) spans.shift();
      idle.push(c);
      return outcome.response;
    }
    if (first) failedWhole.set(first.eventID, event.Records.length);
    counts.add(`invocation.${outcome.failed}`);
    if (outcome.failed === 'death') counts.add(`invocation.diedAt.${c.transport.diedAt ?? 'unknown'}`);
    throw new InvocationFailedError(outcome.failed);
  };

  return {
    invoke,
    /**
     * Holds every invocation that has not started yet until the returned release is called. An
     * invocation's records are fixed before it is invoked, so records written after `hold()` returns
     * stay unapplied until the release, however fast the machine: what the test needs to place a
     * reshard between a write and its read for sure.
     */
    hold,
    /**
     * Arms a death right after the next commit that applied an emit (its TransactWriteItems holds an
     * outbox entry) of an invocation of one of `shards` (any shard when unset): the entry is then
     * committed and not published, as after a crash. `hold` also holds the service at that death, so
     * no retry recovers the entry until the returned release. Resolves once it happened.
     */
    dieAfterCommit: (o: {
      readonly tag: string;
      readonly outboxTable: string;
      readonly shards?: ReadonlySet<string>;
      readonly hold?: boolean;
    }): Promise<CommitDeath> =>
      new Promise<CommitDeath>((fired) => {
        armed.push({
          tag: o.tag,
          bodyIncludes: `"TableName":"${o.outboxTable}"`,
          hold: o.hold ?? false,
          fired,
          ...(o.shards && { shards: o.shards }),
        });
      }),
    /**
     * Arms the race of race.ts on the last batch of closed `shardId` (with emits due in that batch), and
     * stops injecting invocation faults there. Resolves once it left an entry.
     */
    raceLastBatch: (o: { readonly tag: string; readonly shardId: string; readonly lastSeq: string }) =>
      new Promise<RaceOutcome>((won) => {
        calm.add(o.shardId);
        races.push({ ...o, won });
      }),
    /** Stops injecting (the verification phase must not be disturbed). */
    quiesce: () => {
      enabled = false;
    },
    async drain(limitMs: number) {
      const deadline = Date.now() + limitMs;
      while (running.size > 0 && Date.now() < deadline) await Promise.race([...running, sleep(200)]);
      return running.size;
    },
    destroy: () => {
      for (const c of all) c.destroy();
    },
  };
};
