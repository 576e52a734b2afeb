import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_ENV } from '../../example/faults';
import { type ExampleSystem, eventually, inParallel, startExample } from './helpers/example-client';

/**
 * The order workflow of the example, end to end over HTTP: 200 orders with mixed outcomes, posted
 * twice each with the same idempotency key while the payment provider fails 30% of its calls.
 */
const ORDERS = 200;
const USD_RATE = 0.9;
const CUSTOMERS = ['c-ada', 'c-bob', 'c-cy', 'c-dee', 'c-eve'];

type Kind = 'over-limit' | 'discontinued' | 'declined' | 'usd' | 'no-rate' | 'eur';
const KINDS: Kind[] = [
  'over-limit',
  'discontinued',
  'declined',
  'usd',
  'no-rate',
  'eur',
  'eur',
  'eur',
  'eur',
  'eur',
];
const EXPECTED: Record<Kind, string> = {
  'over-limit': 'REJECTED',
  discontinued: 'REJECTED',
  declined: 'CANCELLED',
  usd: 'DELIVERED',
  'no-rate': 'CANCELLED',
  eur: 'DELIVERED',
};

const orderOf = (i: number) => {
  const kind = KINDS[i % KINDS.length] ?? 'eur';
  const line = {
    sku: kind === 'discontinued' ? 'discontinued-kettle' : 'tea',
    quantity: 1 + (i % 3),
    unitPrice: 4.25,
  };
  if (kind === 'over-limit') line.unitPrice = 12_000;
  const currency = kind === 'usd' ? 'USD' : kind === 'no-rate' ? 'GBP' : 'EUR';
  const paymentToken =
    kind === 'declined' ? 'tok_decline_insufficient' : i % 2 === 0 ? 'tok_visa_4242' : undefined;
  return {
    kind,
    total: line.quantity * line.unitPrice,
    data: {
      orderId: `o-flow-${i}`,
      customerId: CUSTOMERS[i % CUSTOMERS.length] ?? 'c-ada',
      currency,
      items: [line],
      ...(paymentToken ? { paymentToken } : {}),
    },
  };
};

interface OrderView {
  status: string;
  homeAmount?: number;
  history: { status: string }[];
}

// Timeouts are generous: this machine is shared, and under load a hop takes seconds instead of 0.2 s.
describe('example order workflow (local mode, HTTP only)', () => {
  let system: ExampleSystem;
  const orders = Array.from({ length: ORDERS }, (_, i) => orderOf(i));
  const finals = new Map<string, OrderView>();
  let settledMs = 0;

  beforeAll(async () => {
    system = await startExample();
    process.env[FAULT_ENV.paymentFailureRate] = '0.3';
    // Prepare: a rate for USD (none for GBP) and the customers, before any order.
    expect(
      await system.post('fx-feed', 'rates', {
        type: 'ExchangeRateSet',
        data: { pair: 'USD-EUR', rate: USD_RATE },
      }),
    ).toBe(202);
    for (const userId of CUSTOMERS)
      expect(
        await system.post('accounts', 'users', {
          type: 'UserSignedUp',
          data: { userId, name: `Name of ${userId}`, email: `${userId}@example.com` },
        }),
      ).toBe(202);
    await eventually('the USD rate to be readable', async () =>
      (await system.get('/rates/USD-EUR')).status === 200 ? true : undefined,
    );
    await eventually('notifications to know every customer', async () =>
      (await system.scan('notifications', 'users')).length === CUSTOMERS.length ? true : undefined,
    );

    // Act: every order twice, with the same idempotency key, as a client retrying after a timeout.
    const started = Date.now();
    const statuses = await inParallel([...orders, ...orders], 16, (o) =>
      system.post(
        'storefront',
        'orders',
        { type: 'OrderRequested', data: o.data },
        { idempotencyKey: `k-${o.data.orderId}` },
      ),
    );
    expect(statuses.every((s) => s === 202)).toBe(true);
    await eventually(
      'every order to reach a final status',
      async () => {
        const pending = orders.filter((o) => !finals.has(o.data.orderId));
        await inParallel(pending, 16, async (o) => {
          const { status, body } = await system.get(`/orders/${o.data.orderId}`);
          const view = body as OrderView;
          if (status === 200 && ['REJECTED', 'CANCELLED', 'DELIVERED'].includes(view.status))
            finals.set(o.data.orderId, view);
        });
        return finals.size === ORDERS ? true : undefined;
      },
      // ~40 s alone; 5.5x that under a busy machine's load, with headroom.
      600_000,
      500,
    );
    settledMs = Date.now() - started;
    console.log(
      `example flow: ${ORDERS} orders (x2 posts, 30% provider failures) settled in ${settledMs} ms`,
    );
  });

  afterAll(async () => {
    delete process.env[FAULT_ENV.paymentFailureRate];
    await system?.stop();
  });

  it('brings each of the 200 orders to the final status its content calls for', () => {
    const wrong = orders
      .map((o) => ({
        id: o.data.orderId,
        kind: o.kind,
        want: EXPECTED[o.kind],
        got: finals.get(o.data.orderId)?.status,
      }))
      .filter((o) => o.want !== o.got);

    expect(wrong).toEqual([]);
    const count = (status: string) => [...finals.values()].filter((v) => v.status === status).length;
    expect([count('REJECTED'), count('CANCELLED'), count('DELIVERED')]).toEqual([40, 40, 120]);
  });

  it('records every step once in the history, in workflow order', () => {
    const delivered = orders.find((o) => o.kind === 'eur');
    const view = delivered && finals.get(delivered.data.orderId);

    expect(view?.history.map((h) => h.status)).toEqual([
      'REQUESTED',
      'VALIDATED',
      'PAID',
      'CONFIRMED',
      'SHIPPED',
      'DELIVERED',
    ]);
  });

  it("answers GET /orders with the order alone: none of the runtime's spine:* attributes", () => {
    // Every state item the runtime wrote carries its position fences (docs/consumer-single-item.md).
    const leaked = [...finals.values()].flatMap((v) => Object.keys(v).filter((k) => k.startsWith('spine:')));

    expect(finals.size).toBe(ORDERS);
    expect(leaked).toEqual([]);
  });

  it('charges each paid order exactly once, though calls failed and every order was posted twice', async () => {
    const charges = await system.scan('payments', 'provider-charges');
    const succeeded = charges.filter((c) => (c.result as { status?: string }).status === 'succeeded');
    const perOrder = new Map<string, number>();
    for (const c of succeeded) perOrder.set(String(c.orderId), (perOrder.get(String(c.orderId)) ?? 0) + 1);
    const paid = orders.filter((o) => EXPECTED[o.kind] === 'DELIVERED').map((o) => o.data.orderId);
    const replays = charges.reduce((sum, c) => sum + (typeof c.replays === 'number' ? c.replays : 0), 0);

    expect([...perOrder.keys()].sort()).toEqual([...paid].sort());
    expect([...perOrder.values()].every((n) => n === 1)).toBe(true);
    // Some charges succeeded while their answer was lost: the retry was answered from the ledger.
    expect(replays).toBeGreaterThan(0);
    console.log(
      `example flow: ${succeeded.length} charges, ${replays} retried charge(s) recognised by the provider`,
    );
  });

  it('joins foreign-currency payments with the rate and tells the customer the home amount', async () => {
    const usd = orders.filter((o) => o.kind === 'usd');
    // Notifications consume the shipments topic on their own: they may trail the orders' final status.
    const notifications =
      (await eventually('a notification per delivered order', async () => {
        const all = await system.scan('notifications', 'notifications');
        return all.length >= 120 ? all : undefined;
      }).catch(() => undefined)) ?? (await system.scan('notifications', 'notifications'));
    const textOf = (orderId: string) => notifications.find((n) => n.orderId === orderId)?.text;

    for (const o of usd) {
      const homeAmount = Math.round(o.total * USD_RATE * 100) / 100;
      expect(finals.get(o.data.orderId)?.homeAmount).toBe(homeAmount);
      expect(textOf(o.data.orderId)).toContain(`You paid ${homeAmount.toFixed(2)} EUR`);
    }
    expect(notifications.length).toBe(120);
  });

  it('uses the latest rate of the pair once a new one is set', async () => {
    expect(
      await system.post('fx-feed', 'rates', {
        type: 'ExchangeRateSet',
        data: { pair: 'USD-EUR', rate: 0.8 },
      }),
    ).toBe(202);
    await eventually('the new rate to be readable', async () => {
      const { body } = await system.get('/rates/USD-EUR');
      return (body as { rate?: number }).rate === 0.8 ? true : undefined;
    });
    // Lookups may serve a cached rate for up to 1 s (the runtime's default maxAgeMs).
    await new Promise((r) => setTimeout(r, 1_100));

    const data = {
      orderId: 'o-new-rate',
      customerId: 'c-ada',
      currency: 'USD',
      items: [{ sku: 'tea', quantity: 10, unitPrice: 10 }],
    };
    expect(await system.post('storefront', 'orders', { type: 'OrderRequested', data })).toBe(202);
    const view = await eventually('the order to be delivered', async () => {
      const { body } = await system.get('/orders/o-new-rate');
      return (body as OrderView).status === 'DELIVERED' ? (body as OrderView) : undefined;
    });

    expect(view.homeAmount).toBe(80);
  });

  it('parks a malformed payment whole in the parking lot and goes on with the next order', async () => {
    process.env[FAULT_ENV.paymentFailureRate] = '0';
    // An old storefront client posts v1, whose paymentToken is free text: a raw card number. Valid v1,
    // so the ingress accepts it; the provider rejects the charge request as malformed on every attempt.
    const malformed = {
      orderId: 'o-malformed',
      customerId: 'c-bob',
      items: [{ sku: 'tea', quantity: 1, unitPrice: 5 }],
      paymentToken: '4111 1111 1111 1111',
    };
    expect(
      await system.post('storefront', 'orders', { type: 'OrderRequested', version: 1, data: malformed }),
    ).toBe(202);
    const next = {
      orderId: 'o-after-malformed',
      customerId: 'c-bob',
      items: [{ sku: 'tea', quantity: 1, unitPrice: 5 }],
    };
    expect(await system.post('storefront', 'orders', { type: 'OrderRequested', data: next })).toBe(202);

    const parked = await eventually('the malformed payment to be parked', async () => {
      const items = await system.scanRuntime('parking');
      return items.find((p) => p.pk === 'payments' && p.eventType === 'OrderValidated');
    });
    const after = await eventually('the next order to be delivered', async () => {
      const { body } = await system.get('/orders/o-after-malformed');
      return (body as OrderView).status === 'DELIVERED' ? body : undefined;
    });

    expect(String(parked.error)).toContain('InvalidChargeRequestError');
    expect(parked.attempts).toBe(10);
    expect(Buffer.from(String(parked.data), 'base64').toString('utf8')).toContain('"orderId":"o-malformed"');
    expect(((await system.get('/orders/o-malformed')).body as OrderView).status).toBe('VALIDATED');
    expect(after).toBeDefined();
    expect(await system.scan('payments', 'provider-charges')).not.toContainEqual(
      expect.objectContaining({ orderId: 'o-malformed' }),
    );
  });
});
