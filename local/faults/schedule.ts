import type { FaultCounts } from './counts';
import { seededRandom } from './random';

/** The AWS service a relay stands in front of; it decides the error shapes and which calls a fault may hit. */
export type RelayService = 'kinesis' | 'dynamodb';

/** Probabilities per request of the HTTP-level faults of one service (0..1, absent = never). */
export interface HttpFaultRates {
  /** The call is applied upstream, then its answer is lost (socket hang-up, or a 500/503). */
  readonly lostResponse?: number;
  /** Kinesis only: PutRecords applies a subset; the rest get per-record throughput errors. */
  readonly partialPutRecords?: number;
  /** Kinesis only: share of partial PutRecords whose (partial) answer is lost as well. */
  readonly partialLost?: number;
  /** A 400 ProvisionedThroughputExceededException, without forwarding. */
  readonly throttle?: number;
  /**
   * Kinesis only: a PutRecords whose answer is lost (socket hang-up) and which Kinesis stores late,
   * after the writer's marked re-send of the same records landed (the overtaking window).
   */
  readonly lateLanding?: number;
}

/** How a lost answer reaches the caller. */
export type LostMode = 'hangup' | '500' | '503';

/** What the relay does to one request. */
export type HttpFault =
  | { readonly kind: 'lostResponse'; readonly mode: LostMode }
  | {
      readonly kind: 'partialPutRecords';
      readonly keep: (index: number) => boolean;
      readonly lost?: LostMode;
    }
  | { readonly kind: 'throttle' }
  | { readonly kind: 'lateLanding' };

/** Calls whose effect can happen while the caller never learns it (AWS's lost-response cases). */
export const LOSABLE_TARGETS: Readonly<Record<RelayService, ReadonlySet<string>>> = {
  kinesis: new Set(['PutRecords', 'PutRecord']),
  dynamodb: new Set(['TransactWriteItems', 'PutItem', 'UpdateItem', 'DeleteItem']),
};

/** Calls AWS throttles per shard or per partition in practice. */
export const THROTTLED_TARGETS: Readonly<Record<RelayService, ReadonlySet<string>>> = {
  kinesis: new Set(['GetRecords', 'PutRecords', 'PutRecord']),
  dynamodb: new Set([
    'GetItem',
    'Query',
    'BatchGetItem',
    'TransactWriteItems',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
  ]),
};

/** The operation name of an `X-Amz-Target` header: `Kinesis_20131202.PutRecords` -> `PutRecords`. */
export const operationOf = (target: string | undefined): string => target?.split('.').at(-1) ?? '';

/** The stable name a fault is counted under, e.g. `kinesis.lostResponse.hangup`. */
export const faultName = (service: RelayService, fault: HttpFault): string => {
  if (fault.kind === 'lostResponse') return `${service}.lostResponse.${fault.mode}`;
  if (fault.kind === 'partialPutRecords')
    return fault.lost ? `${service}.partialPutRecords.lost.${fault.lost}` : `${service}.partialPutRecords`;
  if (fault.kind === 'lateLanding') return `${service}.lateLanding`;
  return `${service}.throttle`;
};

export interface FaultScheduleOptions {
  readonly service: RelayService;
  readonly rates: HttpFaultRates;
  readonly seed: number;
  readonly counts: FaultCounts;
  /** The Nth PutRecords (1-based) is a late landing for sure, so a short run always exercises it. */
  readonly forceLateLandingAt?: number;
  /**
   * Each kind listed fires once for sure, at the first request it can hit, before the rates decide:
   * at a rate of 0.01 over a few dozen eligible requests a kind is otherwise missed in a good share of
   * runs (CI saw `kinesis.throttle` never fire). Listing a kind whose rate is 0 forces it anyway.
   */
  readonly forceOnce?: readonly ForcibleKind[];
}

/** The kinds `forceOnce` can force (late landing has its own, positional, option). */
export type ForcibleKind = 'lostResponse' | 'partialPutRecords' | 'throttle';

/** Whether a forced `kind` can hit a request to `operation` carrying `records` records. */
const canHit = (service: RelayService, kind: ForcibleKind, operation: string, records: number): boolean =>
  kind === 'throttle'
    ? THROTTLED_TARGETS[service].has(operation)
    : kind === 'lostResponse'
      ? LOSABLE_TARGETS[service].has(operation)
      : service === 'kinesis' && operation === 'PutRecords' && records > 1;

/**
 * Decides, per request, which fault (if any) the relay injects, from one seeded PRNG, and counts it.
 * `enabled` lets a test provision and verify without faults while the same relay stays in place.
 */
export class FaultSchedule {
  private readonly random: () => number;
  private putRecords = 0;
  private readonly unforced: ForcibleKind[];
  enabled = true;

  constructor(private readonly options: FaultScheduleOptions) {
    this.random = seededRandom(options.seed);
    this.unforced = [...(options.forceOnce ?? [])];
  }

  get service(): RelayService {
    return this.options.service;
  }

  private hit(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random() < rate;
  }

  private lostMode(): LostMode {
    const r = this.random();
    return r < 0.5 ? 'hangup' : r < 0.75 ? '500' : '503';
  }

  /** A partial PutRecords: at least one record kept and one rejected, chosen per index from the same PRNG. */
  private partial(records: number): HttpFault {
    const rejected = new Set<number>();
    for (let i = 0; i < records; i++) if (this.random() < 0.5) rejected.add(i);
    if (rejected.size === 0) rejected.add(Math.floor(this.random() * records));
    if (rejected.size === records) rejected.delete(Math.floor(this.random() * records));
    const lost = this.hit(this.options.rates.partialLost) ? this.lostMode() : undefined;
    return { kind: 'partialPutRecords', keep: (i) => !rejected.has(i), ...(lost && { lost }) };
  }

  private forced(kind: ForcibleKind | undefined, records: number): HttpFault | undefined {
    if (kind === 'throttle') return { kind: 'throttle' };
    if (kind === 'lostResponse') return { kind: 'lostResponse', mode: this.lostMode() };
    return kind === 'partialPutRecords' ? this.partial(records) : undefined;
  }

  /** The fault for a request to `operation` carrying `records` records (PutRecords), or undefined. */
  decide(operation: string, records = 0): HttpFault | undefined {
    if (!this.enabled) return undefined;
    const { service, rates, counts } = this.options;
    let fault: HttpFault | undefined;
    if (operation === 'PutRecords') this.putRecords += 1;
    const forced = this.unforced.findIndex((kind) => canHit(service, kind, operation, records));
    if (operation === 'PutRecords' && this.putRecords === this.options.forceLateLandingAt)
      fault = { kind: 'lateLanding' };
    else if (forced >= 0) fault = this.forced(this.unforced.splice(forced, 1)[0], records);
    else if (THROTTLED_TARGETS[service].has(operation) && this.hit(rates.throttle))
      fault = { kind: 'throttle' };
    else if (operation === 'PutRecords' && records > 1 && this.hit(rates.partialPutRecords))
      fault = this.partial(records);
    else if (operation === 'PutRecords' && this.hit(rates.lateLanding)) fault = { kind: 'lateLanding' };
    else if (LOSABLE_TARGETS[service].has(operation) && this.hit(rates.lostResponse))
      fault = { kind: 'lostResponse', mode: this.lostMode() };
    if (fault) {
      counts.add(faultName(service, fault));
      // A second, per-operation tally under its own prefix, so `total(service)` counts each fault once.
      counts.add(`target:${service}.${operation}.${fault.kind}`);
    }
    return fault;
  }
}
