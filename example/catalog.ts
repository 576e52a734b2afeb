import { defineCatalog, type SubscriptionSpec } from '../shared/catalog';
import { schemas } from './schemas';
import {
  customer,
  notificationState,
  orderState,
  shipmentState,
  storedCharge,
  userIndex,
} from './state/schemas';

/**
 * The example system's catalog: an order workflow by event collaboration (no orchestrator), a second
 * consumer of `orders` (analytics), a rates table joined with payments, and user deletion propagated
 * to every service holding user data. `catalog.ts` at the project root re-exports it; to start your
 * own backbone, delete `example/` and declare your topics, event types and services there.
 */

/**
 * Settings of the services on the order flow. A batching window of 0 hands records over as soon as a
 * poll finds them: each hop costs one poll (~1 s in AWS, ~0.2 s locally), not a window on top.
 */
const flowSettings: Omit<SubscriptionSpec, 'topic'> = {
  batchSize: 100,
  batchingWindowSeconds: 0,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  retry: { maxAttempts: 5, bisectOnError: true },
};

/**
 * A subscription with the flow's settings. The topic and the overrides keep their literal types, so
 * `defineService` knows which types a service consumes and which tables it materializes.
 */
const flow = <
  const T extends string,
  const O extends Partial<Omit<SubscriptionSpec, 'topic'>> = Record<never, never>,
>(
  topic: T,
  overrides?: O,
) => Object.assign({ topic }, flowSettings, overrides);

const byOrder = { keyField: 'orderId' } as const;

export const catalog = defineCatalog({
  topics: [
    {
      name: 'orders',
      shards: 'on-demand',
      retentionHours: 24,
      description: 'Order facts, keyed by orderId.',
    },
    { name: 'payments', shards: 2, retentionHours: 24, description: 'Payment outcomes, keyed by orderId.' },
    { name: 'shipments', shards: 2, retentionHours: 24, description: 'Shipping facts, keyed by orderId.' },
    {
      name: 'rates',
      shards: 1,
      retentionHours: 168,
      description: 'Exchange rates, keyed by currency pair: a compacted table in spirit (latest per pair).',
    },
    { name: 'users', shards: 1, retentionHours: 24, description: 'User lifecycle, keyed by userId.' },
    {
      name: 'charges',
      shards: 1,
      retentionHours: 24,
      description: "The payment provider's ledger rows, captured from payments/provider-charges (CDC).",
    },
  ],
  producers: [
    { name: 'storefront', description: 'The web shop: posts the first event of an order flow.' },
    { name: 'fx-feed', description: 'Publishes exchange rates.' },
    { name: 'accounts', description: 'The account system: sign-ups and deletions.' },
  ],
  eventTypes: [
    {
      type: 'OrderRequested',
      topic: 'orders',
      writer: 'storefront',
      ...byOrder,
      versions: { 1: schemas.orderRequestedV1, 2: schemas.orderRequestedV2 },
    },
    {
      type: 'OrderValidated',
      topic: 'orders',
      writer: 'orders',
      ...byOrder,
      versions: { 1: schemas.orderValidated },
    },
    {
      type: 'OrderRejected',
      topic: 'orders',
      writer: 'orders',
      ...byOrder,
      versions: { 1: schemas.orderRejected },
    },
    {
      type: 'OrderConfirmed',
      topic: 'orders',
      writer: 'orders',
      ...byOrder,
      versions: { 1: schemas.orderConfirmed },
    },
    {
      type: 'OrderCancelled',
      topic: 'orders',
      writer: 'orders',
      ...byOrder,
      versions: { 1: schemas.orderCancelled },
    },
    {
      type: 'PaymentProcessed',
      topic: 'payments',
      writer: 'payments',
      ...byOrder,
      versions: { 1: schemas.paymentProcessed },
    },
    {
      type: 'PaymentFailed',
      topic: 'payments',
      writer: 'payments',
      ...byOrder,
      versions: { 1: schemas.paymentFailed },
    },
    {
      type: 'OrderShipped',
      topic: 'shipments',
      writer: 'shipping',
      ...byOrder,
      versions: { 1: schemas.orderShipped },
    },
    {
      type: 'OrderDelivered',
      topic: 'shipments',
      writer: 'shipping',
      ...byOrder,
      versions: { 1: schemas.orderDelivered },
    },
    {
      type: 'ExchangeRateSet',
      topic: 'rates',
      writer: 'fx-feed',
      keyField: 'pair',
      versions: { 1: schemas.exchangeRateSet },
    },
    {
      type: 'UserSignedUp',
      topic: 'users',
      writer: 'accounts',
      keyField: 'userId',
      versions: { 1: schemas.userSignedUp },
    },
    {
      type: 'UserDeleted',
      topic: 'users',
      writer: 'accounts',
      keyField: 'userId',
      tombstone: true,
      versions: { 1: schemas.userDeleted },
    },
    {
      type: 'ChargeRecorded',
      topic: 'charges',
      writer: 'charges-cdc',
      keyField: 'pk',
      versions: { 1: schemas.chargeRecorded },
    },
  ],
  // Don't dual-write, capture: the payment adapter writes only its ledger table; its rows reach the
  // log through the table's stream, after a snapshot of what is already there (docs/cdc.md).
  cdcSources: [
    {
      name: 'charges-cdc',
      table: { service: 'payments', table: 'provider-charges' },
      topic: 'charges',
      types: { insert: 'ChargeRecorded', modify: 'ChargeRecorded' },
      versionAttribute: 'version',
    },
  ],
  services: [
    {
      name: 'orders',
      entry: 'example/functions/orders.ts',
      description: 'Validates orders and confirms paid ones; keeps each order with its status history.',
      queries: { entry: 'example/queries/orders.ts', routes: [{ method: 'GET', path: '/orders/{orderId}' }] },
      subscriptions: [flow('orders'), flow('payments'), flow('shipments'), flow('users')],
      tables: [
        { name: 'orders', item: orderState },
        { name: 'customers', item: customer },
      ],
    },
    {
      name: 'payments',
      entry: 'example/functions/payments.ts',
      description: 'Charges validated orders through the payment provider; keeps the latest rate per pair.',
      queries: { entry: 'example/queries/payments.ts', routes: [{ method: 'GET', path: '/rates/{pair}' }] },
      subscriptions: [
        // Up to 10 attempts: the provider fails transiently, and a retried charge is recognised by its
        // idempotency key. A charge the provider rejects as malformed fails all 10 and is parked.
        flow('orders', { batchSize: 25, retry: { maxAttempts: 10, bisectOnError: true } }),
        flow('rates', { materialize: { table: 'rates' } }),
      ],
      tables: [{ name: 'payments' }, { name: 'rates' }, { name: 'provider-charges', item: storedCharge }],
    },
    {
      name: 'shipping',
      entry: 'example/functions/shipping.ts',
      description: 'Ships confirmed orders and reports their delivery.',
      subscriptions: [flow('orders'), flow('shipments'), flow('users')],
      tables: [
        { name: 'shipments', item: shipmentState },
        { name: 'customers', item: customer },
      ],
    },
    {
      name: 'notifications',
      entry: 'example/functions/notifications.ts',
      description: 'Tells customers their order was delivered, in their home currency.',
      subscriptions: [flow('shipments'), flow('users', { materialize: { table: 'users' } })],
      tables: [
        { name: 'users' },
        { name: 'notifications', item: notificationState },
        { name: 'user-notifications', item: userIndex },
      ],
    },
    {
      name: 'analytics',
      entry: 'example/functions/analytics.ts',
      description:
        "Counts how many orders reached each status (the orders service's decisions): a second, independent consumer of the orders topic.",
      queries: { entry: 'example/queries/analytics.ts', routes: [{ method: 'GET', path: '/stats/orders' }] },
      subscriptions: [
        // Its own pace: bigger batches, a 1 s window, and long retries. While it fails it only lags
        // (IteratorAge alarm); the order flow, on its own mappings, does not wait for it. 2,220 attempts
        // are the most the catalog takes on a 24 h topic: an event that crashes every invocation is then
        // parked (where redrive reaches it) before the stream drops it. Handler errors park sooner
        // (locally ~37 min at the 1 s backoff cap; with 100 it parked after ~100 s, leaving the counters
        // short until a redrive). No record age: a lagging analytics must count late decisions, not park them.
        flow('orders', {
          batchSize: 500,
          batchingWindowSeconds: 1,
          retry: { maxAttempts: 2_220, bisectOnError: false },
        }),
        flow('charges'),
      ],
      tables: [{ name: 'counts' }],
    },
  ],
});
