import * as z from 'zod/mini';

/**
 * The example's event schemas (example/schemas.ts) written with zod's functional API, for the size
 * comparison in `run.ts`, which bundles the example's own TypeBox schemas beside them.
 * Built as is for zod/mini; `run.ts` aliases `zod/mini` to `zod` to measure zod classic on the same code.
 */
const id = z.string().check(z.minLength(1), z.maxLength(64));
const currency = z.string().check(z.regex(/^[A-Z]{3}$/));
const amount = z.number().check(z.gte(0));
const positive = z.number().check(z.gt(0));

const orderItems = z
  .array(z.strictObject({ sku: id, quantity: z.int().check(z.gte(1), z.lte(1000)), unitPrice: amount }))
  .check(z.minLength(1), z.maxLength(100));

const orderRequested = (paymentToken: z.ZodMiniString) =>
  z.strictObject({
    orderId: id,
    customerId: id,
    currency: z.optional(currency),
    items: orderItems,
    paymentToken: z.optional(paymentToken),
  });

export const schemas = {
  orderRequestedV1: orderRequested(z.string().check(z.minLength(1), z.maxLength(64))),
  orderRequestedV2: orderRequested(z.string().check(z.regex(/^tok_[a-z0-9_]{3,60}$/))),
  orderValidated: z.strictObject({
    orderId: id,
    customerId: id,
    amount,
    currency,
    paymentToken: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  }),
  orderRejected: z.strictObject({
    orderId: id,
    customerId: id,
    reasons: z.array(z.string()).check(z.minLength(1)),
  }),
  orderConfirmed: z.strictObject({
    orderId: id,
    customerId: id,
    amount,
    currency,
    homeAmount: amount,
    homeCurrency: currency,
  }),
  orderCancelled: z.strictObject({ orderId: id, customerId: id, reason: z.string() }),
  paymentProcessed: z.strictObject({
    orderId: id,
    chargeId: id,
    amount,
    currency,
    homeAmount: amount,
    homeCurrency: currency,
    rate: positive,
  }),
  paymentFailed: z.strictObject({
    orderId: id,
    reason: z.enum(['DECLINED', 'NO_RATE']),
    detail: z.optional(z.string()),
  }),
  orderShipped: z.strictObject({ orderId: id, customerId: id, carrier: z.string(), trackingId: id }),
  orderDelivered: z.strictObject({ orderId: id, customerId: id, homeAmount: amount, homeCurrency: currency }),
  exchangeRateSet: z.strictObject({
    pair: z.string().check(z.regex(/^[A-Z]{3}-[A-Z]{3}$/)),
    rate: positive,
    asOf: z.optional(z.iso.datetime()),
  }),
  userSignedUp: z.strictObject({
    userId: id,
    name: z.string().check(z.minLength(1), z.maxLength(200)),
    email: z.email().check(z.maxLength(254)),
  }),
  userDeleted: z.strictObject({ userId: id }),
  chargeRecorded: z.strictObject({
    pk: z.string().check(z.minLength(1), z.maxLength(200)),
    orderId: id,
    amount,
    currency,
    at: z.string(),
    result: z.object({
      status: z.enum(['succeeded', 'declined']),
      chargeId: z.optional(z.string()),
      reason: z.optional(z.string()),
    }),
    replays: z.optional(z.int().check(z.gte(0))),
    version: z.int().check(z.gte(1)),
  }),
};

/** What a Lambda would do at cold start to hand zod schemas to Ajv. */
export const jsonSchemas = Object.fromEntries(
  Object.entries(schemas).map(([name, schema]) => [name, z.toJSONSchema(schema)]),
);
