import type { Context, KinesisStreamEvent } from 'aws-lambda';
import type { LambdaHandler } from '../handler';
import type { FaultConfig } from './config';
import { FaultCounts } from './counts';
import { seededRandom } from './random';
import { FaultSchedule, type ForcibleKind, type HttpFaultRates, type RelayService } from './schedule';

const FORCIBLE: readonly ForcibleKind[] = ['lostResponse', 'partialPutRecords', 'throttle'];

/** Invocation-level faults of local mode; HTTP-level ones are the relays' (see relay.ts). */
export type FaultKind =
  | 'handler.crashBefore'
  | 'handler.crashAfter'
  | 'handler.timeout'
  | 'handler.duplicate'
  | 'runtime.killMidBatch';

/** A fault that fired; thrown where the real failure would surface. */
export class InjectedFaultError extends Error {
  readonly code = 'INJECTED_FAULT';
  constructor(readonly kind: FaultKind) {
    super(`injected fault: ${kind}`);
    this.name = 'InjectedFaultError';
  }
}

export const isInjectedFaultError = (error: unknown): error is InjectedFaultError =>
  error instanceof InjectedFaultError;

/**
 * Local mode's faults from one `SPINE_FAULTS` config: a `FaultSchedule` per emulator relay and the
 * invocation faults around each service handler, all counted in one `FaultCounts` (written to
 * `countsFile` when given, which the chaos run reads).
 */
export class FaultInjector {
  private readonly random: () => number;
  private readonly seed: number;
  readonly counts: FaultCounts;

  constructor(
    private readonly config: FaultConfig,
    countsFile?: string,
  ) {
    this.seed = config.seed ?? Date.now();
    this.random = seededRandom(this.seed);
    this.counts = new FaultCounts(countsFile);
  }

  private readonly forced = new Set<FaultKind>();

  private fire(kind: FaultKind, probability: number | undefined): boolean {
    if (!probability) return false;
    const force = this.config.forceOnce === true && !this.forced.has(kind);
    if (force) this.forced.add(kind);
    else if (this.random() >= probability) return false;
    this.counts.add(kind);
    return true;
  }

  /** The relay schedule for one emulator, or undefined when its section configures no fault. */
  scheduleFor(service: RelayService): FaultSchedule | undefined {
    const rates = this.config[service];
    if (!rates || !Object.values(rates).some((p) => p > 0)) return undefined;
    // Each relay gets its own stream of numbers, so one service's traffic does not shift the other's.
    const seed = this.seed + (service === 'kinesis' ? 1 : 2);
    const configured: HttpFaultRates = rates;
    const forceOnce = this.config.forceOnce
      ? FORCIBLE.filter((kind) => (configured[kind] ?? 0) > 0)
      : undefined;
    return new FaultSchedule({ service, rates, seed, counts: this.counts, ...(forceOnce && { forceOnce }) });
  }

  /** Wraps a service handler the way an unreliable Lambda environment would treat it. */
  wrapHandler(handler: LambdaHandler<KinesisStreamEvent>): LambdaHandler<KinesisStreamEvent> {
    const { handler: h, runtime } = this.config;
    return async (event: KinesisStreamEvent, context: Context) => {
      if (this.fire('handler.crashBefore', h?.crashBefore))
        throw new InjectedFaultError('handler.crashBefore');
      const run = Promise.resolve(handler(event, context));
      if (this.fire('handler.duplicate', h?.duplicate)) {
        // A second invocation of the same records runs at the same time, as when the mapping retries
        // while an earlier invocation still runs; only one answer reaches the mapping.
        Promise.resolve(handler(event, context)).catch(() => {});
      }
      if (this.fire('handler.timeout', h?.timeout)) {
        // The mapping gives up on the invocation while it runs on: the next attempt races it.
        run.catch(() => {});
        await new Promise((r) => setTimeout(r, h?.timeoutMs ?? 3_000));
        throw new InjectedFaultError('handler.timeout');
      }
      const result = await run;
      // Death with no catch or finally: the local runtime's own process goes, as a Lambda sandbox would.
      if (this.fire('runtime.killMidBatch', runtime?.killMidBatch)) process.kill(process.pid, 'SIGKILL');
      if (this.fire('handler.crashAfter', h?.crashAfter)) throw new InjectedFaultError('handler.crashAfter');
      return result;
    };
  }
}
