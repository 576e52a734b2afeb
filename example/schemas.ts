import * as Type from 'typebox';

/**
 * Event schemas of the example, in TypeBox: each declaration is the JSON Schema Ajv enforces (at the
 * ingress and on every consumed and emitted event) and, through `Static`, the type of `event.data` in
 * handlers. Every object is closed (`additionalProperties: false`) so a typo in a producer is a 400 at
 * the ingress, not a silently ignored field. The canonical JSON of each schema is what
 * `schemas.lock.json` pins: reordering properties or adding a bound here is a schema change.
 */
const object = <P extends Type.TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

const id = Type.String({ minLength: 1, maxLength: 64 });
const currency = Type.String({ pattern: '^[A-Z]{3}$' });
const amount = Type.Number({ minimum: 0 });

const orderItems = Type.Array(
  object({ sku: id, quantity: Type.Integer({ minimum: 1, maximum: 1000 }), unitPrice: amount }),
  { minItems: 1, maxItems: 100 },
);

const orderRequested = <T extends Type.TString>(paymentToken: T) =>
  object({
    orderId: id,
    customerId: id,
    currency: Type.Optional(currency),
    items: orderItems,
    paymentToken: Type.Optional(paymentToken),
  });

export const schemas = {
  /**
   * v1 took any text as `paymentToken`; old storefront clients still send v1, and some paste raw card
   * numbers there. v2 only accepts the provider's token format. Both versions stay valid in the log.
   */
  orderRequestedV1: orderRequested(Type.String({ minLength: 1, maxLength: 64 })),
  orderRequestedV2: orderRequested(Type.String({ pattern: '^tok_[a-z0-9_]{3,60}$' })),
  orderValidated: object({
    orderId: id,
    customerId: id,
    amount,
    currency,
    paymentToken: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  }),
  orderRejected: object({ orderId: id, customerId: id, reasons: Type.Array(Type.String(), { minItems: 1 }) }),
  orderConfirmed: object({
    orderId: id,
    customerId: id,
    amount,
    currency,
    homeAmount: amount,
    homeCurrency: currency,
  }),
  orderCancelled: object({ orderId: id, customerId: id, reason: Type.String() }),
  paymentProcessed: object({
    orderId: id,
    chargeId: id,
    amount,
    currency,
    homeAmount: amount,
    homeCurrency: currency,
    rate: Type.Number({ exclusiveMinimum: 0 }),
  }),
  paymentFailed: object({
    orderId: id,
    reason: Type.Enum(['DECLINED', 'NO_RATE']),
    detail: Type.Optional(Type.String()),
  }),
  orderShipped: object({ orderId: id, customerId: id, carrier: Type.String(), trackingId: id }),
  orderDelivered: object({ orderId: id, customerId: id, homeAmount: amount, homeCurrency: currency }),
  exchangeRateSet: object({
    pair: Type.String({ pattern: '^[A-Z]{3}-[A-Z]{3}$' }),
    rate: Type.Number({ exclusiveMinimum: 0 }),
    asOf: Type.Optional(Type.String({ format: 'date-time' })),
  }),
  userSignedUp: object({
    userId: id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.String({ format: 'email', maxLength: 254 }),
  }),
  userDeleted: object({ userId: id }),
  /**
   * A row of the payment provider's ledger (`payments`/`provider-charges`), captured by CDC: the table's
   * item as the adapter writes it. `version` counts the adapter's writes (1 = the charge, more = replays).
   */
  chargeRecorded: object({
    pk: Type.String({ minLength: 1, maxLength: 200 }),
    orderId: id,
    amount,
    currency,
    at: Type.String(),
    result: Type.Object({
      status: Type.Unsafe<'succeeded' | 'declined'>({ type: 'string', enum: ['succeeded', 'declined'] }),
      chargeId: Type.Optional(Type.String()),
      reason: Type.Optional(Type.String()),
    }),
    replays: Type.Optional(Type.Integer({ minimum: 0 })),
    version: Type.Integer({ minimum: 1 }),
  }),
};
