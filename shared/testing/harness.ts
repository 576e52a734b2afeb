import type { KinesisStreamEvent } from 'aws-lambda';
import { type Catalog, serviceByName } from '../catalog';
import { streamEnvVar } from '../config';
import {
  type ConsumerOptions,
  type DeclaredService,
  defineService,
  type KinesisHandler,
  MemoryConsumerStore,
  MemoryPublisher,
  type StateItem,
} from '../consumer';
import { recordOf } from './records';
import type { ItemOf, TableOf, TestEventOf, WhenResult } from './types';

/** Options of `testService`: whatever the memory runtime should do differently (rarely needed). */
export type TestServiceOptions = Pick<ConsumerOptions, 'outboxLeaseMs'>;

/**
 * A declared service running on the memory store through the same path as its Lambda:
 * `defineService` → the consumer runtime (decode, validate, upcast, dedupe, commit) → the store.
 * Every event is delivered as the event source mapping delivers it, one Kinesis record per invocation
 * on one shard of its topic's stream, in the order given.
 */
export class ServiceTest<C extends Catalog, N extends string> {
  /** The store the handlers write to: state tables, checkpoints, parked events, outbox. */
  readonly store: MemoryConsumerStore;
  /** Every event emitted so far, by `given` and `when`. */
  readonly publisher = new MemoryPublisher();
  private readonly handler: KinesisHandler;
  private delivered = 0;
  /** Event id of each delivered record, by sequence number: a parked record may not name its event. */
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly declared: DeclaredService<C, N>,
    options: TestServiceOptions = {},
  ) {
    const spec = serviceByName(declared.catalog, declared.service);
    this.store = new MemoryConsumerStore(spec?.tables.map((t) => t.name) ?? []);
    // Each topic's stream is named after the topic: records say which stream they came from.
    const env = Object.fromEntries(declared.catalog.topics.map((t) => [streamEnvVar(t.name), t.name]));
    this.handler = defineService(declared, {
      ...options,
      env,
      store: this.store,
      publisher: this.publisher,
      backoff: false,
      // No Kinesis behind the memory store: marked copies are settled in the batch or not at all.
      logReaders: false,
    });
  }

  /**
   * Delivers prior events through the runtime, in order. Throws if one fails or is parked: a given
   * that the service refuses is a mistake in the test, not an outcome to assert.
   */
  async given(...events: readonly TestEventOf<C, N>[]): Promise<this> {
    const result = await this.deliver(events);
    const refused = [...result.failed, ...result.parked];
    if (refused.length > 0)
      throw new Error(
        `spine/testing: given events were refused by ${this.declared.service}: ${refused.join(', ')}`,
      );
    return this;
  }

  /** Puts a prior item into one of the service's tables, as if an earlier handler had written it. */
  state<K extends TableOf<C, N>>(table: K, item: ItemOf<C, N, K>): this {
    const rows = this.store.tables.get(table);
    if (!rows) throw new Error(`spine/testing: ${this.declared.service} has no table "${table}"`);
    const stored: StateItem = structuredClone({ ...item });
    rows.set(item.pk, stored);
    return this;
  }

  /** Delivers events through the runtime and tells what they emitted, failed or parked. */
  async when(...events: readonly TestEventOf<C, N>[]): Promise<WhenResult> {
    return this.deliver(events);
  }

  /** The item `pk` of one of the service's tables after the events so far; `undefined` if none. */
  async item(table: TableOf<C, N>, pk: string): Promise<StateItem | undefined> {
    return this.store.getItem(table, pk);
  }

  private async deliver(events: readonly TestEventOf<C, N>[]): Promise<WhenResult> {
    const emittedBefore = this.publisher.published.length;
    const parkedBefore = this.store.parked.length;
    const failed: string[] = [];
    for (const event of events) {
      this.delivered += 1;
      const record = recordOf(this.declared.catalog, event, this.delivered);
      const batch: KinesisStreamEvent = { Records: [record] };
      const id = event.id ?? `test-${this.delivered}`;
      this.ids.set(record.kinesis.sequenceNumber, id);
      const { batchItemFailures } = await this.handler(batch);
      if (batchItemFailures.length > 0) failed.push(id);
    }
    return {
      emitted: this.publisher.published.slice(emittedBefore).map((e) => ({
        type: e.type,
        key: e.partitionkey,
        version: e.dataversion,
        data: e.data,
      })),
      failed,
      parked: this.store.parked
        .slice(parkedBefore)
        .map((p) => this.ids.get(p.sequenceNumber) ?? p.eventId ?? p.sequenceNumber),
    };
  }
}

/**
 * Runs a declared service given/when/then on the memory store.
 *
 * @example
 * const t = testService(orders);
 * await t.given({ type: 'UserSignedUp', data: { userId: 'u-1', name: 'Ada', email: 'ada@example.com' } });
 * const out = await t.when({ type: 'OrderRequested', data: { orderId: 'o-1', customerId: 'u-1', items } });
 * expect(out.emitted.map((e) => e.type)).toEqual(['OrderValidated']);
 * expect(await t.item('orders', 'o-1')).toMatchObject({ status: 'VALIDATED' });
 */
export const testService = <C extends Catalog, N extends string>(
  declared: DeclaredService<C, N>,
  options?: TestServiceOptions,
): ServiceTest<C, N> => new ServiceTest(declared, options);
