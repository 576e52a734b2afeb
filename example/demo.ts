import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readEndpointsFile } from '../local';
import { formatStep, stateReader } from './demo/timeline';

/**
 * `npm run demo`: plays a scripted scenario against a running `npm start` and prints what each service
 * did, in time order. Reads `<SPINE_HOME or .spine>/endpoints.json` for the URLs and dev tokens.
 */
const home = process.env.SPINE_HOME || join(process.cwd(), '.spine');
const endpoints = readEndpointsFile(home);
if (!endpoints) {
  console.error(`No ${join(home, 'endpoints.json')}: start the backbone first with \`npm start\`.`);
  process.exit(1);
}
const { ingress, producers } = endpoints;
const run = Date.now().toString(36);
const id = (name: string) => `${name}-${run}`;

const call = async (method: 'GET' | 'POST', path: string, producer: string, body?: unknown) => {
  const token = producers[producer];
  if (!token) throw new Error(`endpoints.json has no token for producer ${producer}`);
  const response = await fetch(`${ingress}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (method === 'POST' && response.status !== 202)
    throw new Error(`${path} answered ${response.status}: ${text}`);
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};
const publish = (producer: string, topic: string, type: string, data: unknown, version?: number) =>
  call('POST', `/topics/${topic}/events`, producer, { type, data, ...(version ? { version } : {}) });
const line = (items: number, unitPrice: number, sku = 'green-tea') => [{ sku, quantity: items, unitPrice }];

const ada = { userId: id('ada'), name: 'Ada', email: `ada.${run}@example.com` };
const bob = { userId: id('bob'), name: 'Bob', email: `bob.${run}@example.com` };
const orders = [
  {
    note: 'home currency, card on file',
    data: { orderId: id('o-tea'), customerId: ada.userId, items: line(2, 3.5) },
  },
  {
    note: 'US dollars: joined with the USD-EUR rate',
    data: { orderId: id('o-usd'), customerId: ada.userId, currency: 'USD', items: line(1, 40) },
  },
  {
    note: 'over the 10 000 limit: rejected',
    data: { orderId: id('o-big'), customerId: bob.userId, items: line(3, 5000) },
  },
  {
    note: 'declined card: cancelled',
    data: {
      orderId: id('o-decl'),
      customerId: bob.userId,
      items: line(1, 9),
      paymentToken: 'tok_decline_demo',
    },
  },
];
const malformed = {
  orderId: id('o-v1'),
  customerId: bob.userId,
  items: line(1, 5),
  paymentToken: '4111 1111 1111 1111',
};

const main = async () => {
  console.log(`Spine demo against ${ingress} (run ${run})\n`);
  await publish('fx-feed', 'rates', 'ExchangeRateSet', { pair: 'USD-EUR', rate: 0.92 });
  console.log('fx-feed     ExchangeRateSet USD-EUR = 0.92');
  for (const user of [ada, bob]) {
    await publish('accounts', 'users', 'UserSignedUp', user);
    console.log(`accounts    UserSignedUp ${user.userId} (${user.name})`);
  }
  for (let i = 0; i < 40 && (await call('GET', '/rates/USD-EUR', 'storefront')).status !== 200; i++)
    await sleep(250);
  await sleep(1_000);
  const ordersAt = Date.now();
  for (const o of orders) {
    await publish('storefront', 'orders', 'OrderRequested', o.data);
    console.log(`storefront  OrderRequested ${o.data.orderId}: ${o.note}`);
  }
  await publish('storefront', 'orders', 'OrderRequested', malformed, 1);
  console.log(
    `storefront  OrderRequested v1 ${malformed.orderId}: an old client sends a raw card number as token`,
  );

  console.log('\nwaiting for the services...');
  const ids = [...orders.map((o) => o.data.orderId), malformed.orderId];
  const final = new Set(['DELIVERED', 'REJECTED', 'CANCELLED']);
  for (let i = 0; i < 120; i++) {
    const statuses = await Promise.all(
      orders.map(async (o) => (await call('GET', `/orders/${o.data.orderId}`, 'storefront')).body.status),
    );
    if (statuses.every((s) => typeof s === 'string' && final.has(s))) break;
    await sleep(500);
  }
  const reader = stateReader(endpoints.dynamodb);
  try {
    for (
      let i = 0;
      i < 40 && !(await reader.steps([malformed.orderId])).some((s) => s.what.startsWith('PARKED'));
      i++
    )
      await sleep(500);
    console.log('\nTimeline since the first order (what each service recorded, from its own state):');
    for (const step of await reader.steps(ids)) console.log(formatStep(step, ordersAt));

    console.log('\nRead side:');
    for (const orderId of ids) {
      const { status, body } = await call('GET', `/orders/${orderId}`, 'storefront');
      console.log(
        `  GET /orders/${orderId} -> ${status} ${body.status ?? ''}${body.homeAmount ? ` (${body.homeAmount} ${body.homeCurrency})` : ''}`,
      );
    }
    console.log(
      `  GET /rates/USD-EUR -> ${JSON.stringify((await call('GET', '/rates/USD-EUR', 'storefront')).body)}`,
    );
    console.log(
      `  GET /stats/orders -> ${JSON.stringify((await call('GET', '/stats/orders', 'storefront')).body)}`,
    );

    await publish('accounts', 'users', 'UserDeleted', { userId: bob.userId });
    console.log(`\naccounts    UserDeleted ${bob.userId}`);
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await sleep(250);
      gone = (await call('GET', `/orders/${id('o-big')}`, 'storefront')).status === 404;
    }
    console.log(
      `  GET /orders/${id('o-big')} -> ${gone ? "404: Bob's orders are gone from the orders service" : 'still there (is the backbone busy?)'}`,
    );
  } finally {
    reader.destroy();
  }
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
