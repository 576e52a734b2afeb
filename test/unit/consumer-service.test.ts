import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../shared/catalog';
import {
  defineService,
  isServiceDefinitionError,
  MemoryConsumerStore,
  MemoryPublisher,
} from '../../shared/consumer';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';
import { shop, shopEnv } from '../types/shop-catalog';

const placed = (n: number, orderId: string, amount: number) =>
  kinesisRecord({
    stream: 'orders-stream',
    sequenceNumber: seq(n),
    partitionKey: orderId,
    data: envelopeOf('OrderPlaced', { orderId, amount }, orderId, `e${n}`),
  });

describe('defineService', () => {
  it('runs the handler of each consumed type through the runtime: typed data in, state and emits out', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['orders', 'rates']);
    const publisher = new MemoryPublisher();
    const handler = defineService(
      shop,
      'orders',
      {
        on: {
          OrderPlaced: (event, ctx) => {
            const amount = event.version === 1 ? event.data.amount : event.data.amountCents / 100;
            ctx.put('orders', { pk: event.data.orderId, amount });
            ctx.emit('OrderAccepted', { orderId: event.data.orderId, acceptedBy: 'auto' });
          },
        },
      },
      { env: shopEnv, store, publisher, backoff: false, logReaders: false },
    );

    // Act
    const result = await handler(kinesisEvent([placed(1, 'o-1', 12.5)]));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.getItem('orders', 'o-1')).toMatchObject({ pk: 'o-1', amount: 12.5 });
    expect(publisher.published.map((e) => [e.type, e.data])).toEqual([
      ['OrderAccepted', { orderId: 'o-1', acceptedBy: 'auto' }],
    ]);
  });

  it('refuses at cold start a handler for a type the service never receives, which only a widened catalog lets through', () => {
    // Prepare: typed as any catalog, the compiler no longer knows billing's topics.
    const wide: Catalog = shop;

    // Act
    const define = () => defineService(wide, 'billing', { on: { RateSet: () => {} } }, { env: shopEnv });

    // Assess
    expect(define).toThrow(/handler for "RateSet", which is on none of its topics \(orders\)/);
    expect(isServiceDefinitionError(catchOf(define))).toBe(true);
  });
});

const catchOf = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};
