import { setTimeout as sleep } from 'node:timers/promises';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent } from 'aws-lambda';
import { lambdaContext } from '../../../../local/context';
import type { FaultCounts } from '../../../../local/faults';
import type { KinesisHandler } from '../../../../shared/consumer';
import type { InvocationOutcome, RunProfile } from './profile';

type Handle = NodeHttpHandler['handle'];

/**
 * The consumer function's timeout in these runs. Lambda kills an invocation at its deadline, and the
 * runtime reads an attempt mark as a death only once its writer's deadline passed, so every death
 * holds its lane this long (plus the mark's clock-skew margin). The copy look-back gets a third of it:
 * at 6 s and 15 s (2 s and 5 s of look-back) runs stalled on marked records read one by one from a
 * loaded kinesis-mock; 30 s gives the 10 s the runtime used without a context.
 */
export const FUNCTION_TIMEOUT_MS = 30_000;

/** Settles never: what a request of a dead process looks like from outside. */
const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * The transport of one container. Once the container is dead every request, including ones already
 * on the wire, never answers: a process death has no catch and no finally. A request can die after
 * it was applied upstream (the effect happened, nobody saw it) or before it was sent.
 */
export class DyingHttpHandler extends NodeHttpHandler {
  dead = false;
  private requests = 0;
  /**
   * Dies at this request number (counted from the container's start), `after` = once it was applied;
   * with `operation`, at the first request of that operation from that number on.
   */
  dieAt: { readonly request: number; readonly after: boolean; readonly operation?: string } | undefined;
  /** Where the container died of `dieAt`: `Operation.before` (never sent) or `Operation.after` (applied). */
  diedAt: string | undefined;
  readonly died: Promise<void>;
  private markDied: () => void = () => {};

  constructor(private readonly profile?: RunProfile) {
    super({ connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true });
    this.died = new Promise((resolve) => {
      this.markDied = resolve;
    });
  }

  /** Lambda's kill at the deadline: the process stops wherever it is. */
  kill(): void {
    if (!this.dead) this.die();
  }

  private die(): void {
    this.dead = true;
    this.markDied();
  }

  /** Requests sent since the container started (an invocation's deaths are placed relative to it). */
  get sent(): number {
    return this.requests;
  }

  override async handle(...args: Parameters<Handle>): ReturnType<Handle> {
    if (this.dead) return never();
    this.requests += 1;
    const target =
      String(args[0].headers['x-amz-target'] ?? '')
        .split('.')
        .at(-1) ?? '';
    const at = this.dieAt;
    const dying =
      at !== undefined &&
      this.requests >= at.request &&
      (at.operation === undefined || at.operation === target);
    if (dying) this.diedAt = `${target || 'unknown'}.${at?.after ? 'after' : 'before'}`;
    if (dying && !at?.after) {
      this.die();
      return never();
    }
    const started = Date.now();
    const out = await super.handle(...args).catch((error: unknown) => {
      this.profile?.request(target, Date.now() - started, 'error');
      throw error;
    });
    this.profile?.request(target, Date.now() - started, out.response.statusCode < 300 ? 'ok' : 'error');
    if (dying || this.dead) {
      this.die();
      return never();
    }
    return out;
  }
}

/** A Lambda execution environment: its own SDK clients (behind `transport`) and handler module state. */
export interface Container {
  readonly transport: DyingHttpHandler;
  readonly handler: KinesisHandler;
  destroy(): void;
}

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
  readonly newContainer: () => Container;
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
  /** Requests per answered invocation, the last 100: where in an invocation a death may fall. */
  const spans: number[] = [];
  const idle: Container[] = [];
  const all: Container[] = [];
  const running = new Set<Promise<unknown>>();
  let enabled = true;
  /** While set, invocations wait before they start: see `hold`. */
  let held: Promise<void> | undefined;
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
  const fresh = () => {
    const c = options.newContainer();
    all.push(c);
    return c;
  };
  const track = (c: Container, run: Promise<unknown>) => {
    const settled = run.catch(() => {}).finally(() => running.delete(settled));
    // A dead container's run never settles; only live ones are worth waiting for.
    void c.transport.died.then(() => running.delete(settled));
    running.add(settled);
  };

  /** Runs the handler with a Lambda context, and kills the container at its deadline as Lambda does. */
  const start = (c: Container, event: KinesisStreamEvent, twin = false) => {
    const began = Date.now();
    const run = c.handler(event, lambdaContext('spine-eo', timeoutMs));
    const killer = setTimeout(() => c.transport.kill(), timeoutMs);
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
    const c = idle.pop() ?? fresh();
    const force = enabled ? forced.shift() : undefined;
    if (enabled && (force === 'duplicate' || random() < rates.duplicate)) {
      counts.add('invocation.duplicate');
      // The same batch or a prefix of it: what the mapping runs beside a timed-out invocation that
      // still runs (a retry, or a bisected first half). Never a suffix: the mapping only moves past a
      // record once an answered invocation is done with it, and a timed-out answer is discarded, so no
      // batch starts after records that are not done yet.
      const to = 1 + Math.floor(random() * event.Records.length);
      const twin = fresh();
      const copy = start(twin, { Records: event.Records.slice(0, to) }, true);
      track(twin, copy);
      void copy.then(
        () => idle.push(twin),
        () => idle.push(twin),
      );
    }
    const sentBefore = c.transport.sent;
    // Forced once: right after a commit applied (before the checkpoint's mark is cleared and the
    // outbox published), the window the other deaths only hit by chance.
    if (force === 'death')
      c.transport.dieAt = { request: sentBefore + 1, after: true, operation: 'TransactWriteItems' };
    else if (enabled && random() < rates.death) {
      const span = spans[Math.floor(random() * spans.length)] ?? 8;
      c.transport.dieAt = { request: sentBefore + 1 + Math.floor(random() * span), after: random() < 0.5 };
    }
    const givesUpAfter =
      force === 'timeout' || (enabled && failsForSure(event))
        ? 0
        : enabled && random() < rates.timeout
          ? Math.floor(random() * 60)
          : undefined;
    const run = start(c, event);
    track(c, run);
    const timer = new AbortController();
    const outcome = await Promise.race([
      run.then((response) => ({ response })),
      c.transport.died.then(() => ({ failed: 'death' as const })),
      ...(givesUpAfter === undefined
        ? []
        : [sleep(givesUpAfter, { failed: 'timeout' as const }, { signal: timer.signal })]),
    ]).finally(() => timer.abort());
    if ('response' in outcome) {
      spans.push(c.transport.sent - sentBefore);
      if (spans.length > 100) spans.shift();
      idle.push(c);
      return outcome.response;
    }
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
    hold: (): (() => void) => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      held = gate;
      return () => {
        if (held === gate) held = undefined;
        release();
      };
    },
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
