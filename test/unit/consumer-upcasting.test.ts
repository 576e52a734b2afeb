import { describe, expect, it } from 'vitest';
import { type CatalogSpec, defineCatalog, type Upcasters } from '../../shared/catalog';
import {
  type DeclaredService,
  declareService,
  defineService,
  MemoryConsumerStore,
  MemoryPublisher,
} from '../../shared/consumer';
import { dataSchemaUri } from '../../shared/envelope';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';
import { ledger, ledgerEnv } from '../types/upcast-catalog';

/** An OrderPlaced record at `version`, as a producer of that version wrote it. */
const placed = (n: number, version: number, data: Record<string, unknown>) => {
  const orderId = String(data.orderId);
  return kinesisRecord({
    stream: 'orders-stream',
    sequenceNumber: seq(n),
    partitionKey: orderId,
    data: {
      ...envelopeOf('OrderPlaced', data, orderId, `e${n}`),
      dataversion: version,
      dataschema: dataSchemaUri('OrderPlaced', version),
    },
  });
};

/** What the handler saw, and the effects it made of it: the booked item and an emitted OrderBooked. */
const booking = () => {
  const seen: { version: number; data: unknown; dataversion: unknown }[] = [];
  const service = declareService(ledger, 'ledger', {
    on: {
      OrderPlaced: (event, ctx) => {
        seen.push({ version: event.version, data: event.data, dataversion: event.envelope.dataversion });
        const { orderId, total } = event.data;
        ctx.put('books', { pk: orderId, cents: total.cents, currency: total.currency });
        ctx.emit('OrderBooked', { orderId, cents: total.cents, currency: total.currency });
      },
    },
  });
  return { seen, service };
};

const run = (service: DeclaredService<typeof ledger, 'ledger'>) => {
  const store = new MemoryConsumerStore(['books']);
  const publisher = new MemoryPublisher();
  const handler = defineService(service, {
    env: ledgerEnv,
    store,
    publisher,
    backoff: false,
    logReaders: false,
  });
  return { store, publisher, handler };
};

describe('latestOnly (upcasters through defineService)', () => {
  it('given a v1 event, when a latest-only service handles it, then it sees v3 data converted v1→v2→v3 and stores and emits from it', async () => {
    // Prepare
    const { seen, service } = booking();
    const { store, publisher, handler } = run(service);

    // Act
    const result = await handler(kinesisEvent([placed(1, 1, { orderId: 'o-1', amount: 12.5 })]));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(seen).toEqual([
      { version: 3, data: { orderId: 'o-1', total: { cents: 1250, currency: 'EUR' } }, dataversion: 3 },
    ]);
    expect(await store.getItem('books', 'o-1')).toMatchObject({ cents: 1250, currency: 'EUR' });
    expect(publisher.published.map((e) => [e.type, e.data])).toEqual([
      ['OrderBooked', { orderId: 'o-1', cents: 1250, currency: 'EUR' }],
    ]);
  });

  it('given a v2 event, when handled, then only the v2→v3 step runs and its currency is kept', async () => {
    // Prepare
    const { seen, service } = booking();
    const { store, handler } = run(service);

    // Act
    await handler(kinesisEvent([placed(1, 2, { orderId: 'o-2', amountCents: 99, currency: 'GBP' })]));

    // Assess
    expect(seen.map((s) => [s.version, s.data])).toEqual([
      [3, { orderId: 'o-2', total: { cents: 99, currency: 'GBP' } }],
    ]);
    expect(await store.getItem('books', 'o-2')).toMatchObject({ cents: 99, currency: 'GBP' });
  });

  it('given an event already at the latest version, when handled, then the handler gets it untouched', async () => {
    // Prepare
    const { seen, service } = booking();
    const { handler } = run(service);
    const record = placed(1, 3, { orderId: 'o-3', total: { cents: 7, currency: 'USD' } });

    // Act
    await handler(kinesisEvent([record]));

    // Assess
    expect(seen).toEqual([
      { version: 3, data: { orderId: 'o-3', total: { cents: 7, currency: 'USD' } }, dataversion: 3 },
    ]);
  });
});

/** The ledger catalog with OrderPlaced's upcasters replaced, to break one step. */
const withUpcasters = (upcasters: Upcasters) => {
  const spec: CatalogSpec = {
    topics: ledger.topics,
    producers: ledger.producers,
    services: ledger.services,
    eventTypes: ledger.eventTypes.map((e) => (e.type === 'OrderPlaced' ? { ...e, upcasters } : e)),
  };
  return defineCatalog(spec);
};

const failingCases: readonly [string, Upcasters, string][] = [
  [
    'throws',
    {
      1: () => {
        throw new Error('no exchange rate');
      },
      2: (d) => d,
    },
    'OrderPlaced upcaster v1 → v2 threw',
  ],
  [
    "returns data the next version's schema rejects",
    { 1: (d) => ({ ...Object(d), currency: 'EUR' }), 2: (d) => d },
    'OrderPlaced upcaster v1 → v2 produced data v2 rejects',
  ],
];

describe('latestOnly failures', () => {
  it.each(failingCases)(
    'given an upcaster that %s, when the event fails maxAttempts times, then the original v1 record is parked whole',
    async (_, upcasters, error) => {
      // Prepare: maxAttempts is 3; the handler must never run.
      const catalog = withUpcasters(upcasters);
      const store = new MemoryConsumerStore(['books']);
      let handled = 0;
      const handler = defineService(
        catalog,
        'ledger',
        {
          on: {
            OrderPlaced: () => {
              handled++;
            },
          },
        },
        { env: ledgerEnv, store, backoff: false, logReaders: false },
      );
      const poison = placed(1, 1, { orderId: 'o-1', amount: 12.5 });
      const after = placed(2, 3, { orderId: 'o-2', total: { cents: 1, currency: 'EUR' } });

      // Act
      const first = await handler(kinesisEvent([poison, after]));
      const second = await handler(kinesisEvent([poison, after]));
      const third = await handler(kinesisEvent([poison, after]));

      // Assess
      expect(first.batchItemFailures).toEqual([{ itemIdentifier: seq(1) }]);
      expect(second.batchItemFailures).toEqual([{ itemIdentifier: seq(1) }]);
      expect(third.batchItemFailures).toEqual([]);
      expect(store.parked).toHaveLength(1);
      const parked = store.parked[0];
      expect(parked).toMatchObject({ sequenceNumber: seq(1), attempts: 3, eventType: 'OrderPlaced' });
      expect(parked?.error).toContain(error);
      expect(parked?.data).toBe(poison.kinesis.data);
      expect(JSON.parse(Buffer.from(parked?.data ?? '', 'base64').toString('utf8'))).toMatchObject({
        dataversion: 1,
        data: { orderId: 'o-1', amount: 12.5 },
      });
      expect(handled).toBe(1);
    },
  );
});
