import type { JsonSchema } from '../shared/catalog';

/**
 * JSON Schemas of the example's events. Every schema closes its objects (`additionalProperties: false`)
 * so a typo in a producer is a 400 at the ingress, not a silently ignored field.
 */
const object = (required: readonly string[], properties: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const amount = { type: 'number', minimum: 0 } as const;

const orderItems = {
  type: 'array',
  minItems: 1,
  maxItems: 100,
  items: object(['sku', 'quantity', 'unitPrice'], {
    sku: id,
    quantity: { type: 'integer', minimum: 1, maximum: 1000 },
    unitPrice: amount,
  }),
} as const;

const orderRequested = (paymentToken: JsonSchema) =>
  object(['orderId', 'customerId', 'items'], {
    orderId: id,
    customerId: id,
    currency,
    items: orderItems,
    paymentToken,
  });

export const schemas = {
  /**
   * v1 took any text as `paymentToken`; old storefront clients still send v1, and some paste raw card
   * numbers there. v2 only accepts the provider's token format. Both versions stay valid in the log.
   */
  orderRequestedV1: orderRequested({ type: 'string', minLength: 1, maxLength: 64 }),
  orderRequestedV2: orderRequested({ type: 'string', pattern: '^tok_[a-z0-9_]{3,60}$' }),
  orderValidated: object(['orderId', 'customerId', 'amount', 'currency'], {
    orderId: id,
    customerId: id,
    amount,
    currency,
    paymentToken: { type: 'string', minLength: 1, maxLength: 64 },
  }),
  orderRejected: object(['orderId', 'customerId', 'reasons'], {
    orderId: id,
    customerId: id,
    reasons: { type: 'array', minItems: 1, items: { type: 'string' } },
  }),
  orderConfirmed: object(['orderId', 'customerId', 'amount', 'currency', 'homeAmount', 'homeCurrency'], {
    orderId: id,
    customerId: id,
    amount,
    currency,
    homeAmount: amount,
    homeCurrency: currency,
  }),
  orderCancelled: object(['orderId', 'customerId', 'reason'], {
    orderId: id,
    customerId: id,
    reason: { type: 'string' },
  }),
  paymentProcessed: object(
    ['orderId', 'chargeId', 'amount', 'currency', 'homeAmount', 'homeCurrency', 'rate'],
    {
      orderId: id,
      chargeId: id,
      amount,
      currency,
      homeAmount: amount,
      homeCurrency: currency,
      rate: { type: 'number', exclusiveMinimum: 0 },
    },
  ),
  paymentFailed: object(['orderId', 'reason'], {
    orderId: id,
    reason: { enum: ['DECLINED', 'NO_RATE'] },
    detail: { type: 'string' },
  }),
  orderShipped: object(['orderId', 'customerId', 'carrier', 'trackingId'], {
    orderId: id,
    customerId: id,
    carrier: { type: 'string' },
    trackingId: id,
  }),
  orderDelivered: object(['orderId', 'customerId', 'homeAmount', 'homeCurrency'], {
    orderId: id,
    customerId: id,
    homeAmount: amount,
    homeCurrency: currency,
  }),
  exchangeRateSet: object(['pair', 'rate'], {
    pair: { type: 'string', pattern: '^[A-Z]{3}-[A-Z]{3}$' },
    rate: { type: 'number', exclusiveMinimum: 0 },
    asOf: { type: 'string', format: 'date-time' },
  }),
  userSignedUp: object(['userId', 'name', 'email'], {
    userId: id,
    name: { type: 'string', minLength: 1, maxLength: 200 },
    email: { type: 'string', format: 'email', maxLength: 254 },
  }),
  userDeleted: object(['userId'], { userId: id }),
  /**
   * A row of the payment provider's ledger (`payments`/`provider-charges`), captured by CDC: the table's
   * item as the adapter writes it. `version` counts the adapter's writes (1 = the charge, more = replays).
   */
  chargeRecorded: object(['pk', 'orderId', 'amount', 'currency', 'at', 'result', 'version'], {
    pk: { type: 'string', minLength: 1, maxLength: 200 },
    orderId: id,
    amount,
    currency,
    at: { type: 'string' },
    result: {
      type: 'object',
      required: ['status'],
      properties: {
        status: { type: 'string', enum: ['succeeded', 'declined'] },
        chargeId: { type: 'string' },
        reason: { type: 'string' },
      },
    },
    replays: { type: 'integer', minimum: 0 },
    version: { type: 'integer', minimum: 1 },
  }),
} satisfies Record<string, JsonSchema>;
