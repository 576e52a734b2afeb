import fc from 'fast-check';

/**
 * The vocabulary of the hostile-input run: what a case is, what it may be answered with, and the
 * builders the generators share. The generators are in hostile-body-cases.ts and hostile-wire-cases.ts.
 */

/** What a hostile request may be answered with; anything else is a violation. */
export type Expectation =
  /** 202 (the request is valid). */
  | { readonly kind: 'accepted' }
  /** This 4xx, with a JSON body holding `code` and `message` (the gateway's 404/413 may carry only `message`). */
  | { readonly kind: 'refused'; readonly status: number }
  /** 202 or 409 (idempotency conflict or in flight); per key, every 202 must be the same payload and record. */
  | { readonly kind: 'keyed'; readonly key: string; readonly variant: number }
  /** Bytes that are not quite HTTP: any answer but a 5xx or a hang; a 202 is tracked like any other. */
  | { readonly kind: 'lenient' };

export type Category =
  | 'valid'
  | 'malformed-json'
  | 'wrong-types'
  | 'deep-nesting'
  | 'huge-arrays'
  | 'oversized'
  | 'invalid-utf8'
  | 'crlf-headers'
  | 'content-type'
  | 'path-traversal'
  | 'pollution'
  | 'idempotency';

export type Wire =
  | {
      readonly via: 'fetch';
      readonly method: 'POST' | 'GET';
      readonly path: string;
      readonly headers: Record<string, string>;
      readonly body?: string | Uint8Array;
    }
  | { readonly via: 'raw'; readonly bytes: Buffer };

/** A generated case; `wire` is built when sent, so multi-megabyte bodies never pile up in memory. */
export interface HostileCase {
  readonly category: Category;
  readonly expect: Expectation;
  wire(): Wire;
}

export interface CaseContext {
  readonly token: string;
  readonly topic: string;
  /** Topic names of the catalog: a traversal that decodes to one is not hostile. */
  readonly topics: readonly string[];
  /** Prefix of every key and id, unique per run. */
  readonly run: string;
}

export const PUBLISH = (topic: string) => `/topics/${topic}/events`;
export const JSON_CT = 'application/json';
export const CE_CT = 'application/cloudevents+json';
export const BATCH_CT = 'application/cloudevents-batch+json';

const token = fc.stringMatching(/^[a-z0-9-]{1,40}$/);
const item = fc.record({
  sku: fc.stringMatching(/^[A-Z0-9-]{1,20}$/),
  quantity: fc.integer({ min: 1, max: 1000 }),
  unitPrice: fc.integer({ min: 0, max: 1_000_000 }).map((cents) => cents / 100),
});
/** Data valid against OrderRequested (every version so far); checked against the registry at start. */
export const validOrder = fc.record(
  {
    orderId: token,
    customerId: token,
    items: fc.array(item, { minLength: 1, maxLength: 5 }),
    currency: fc.constantFrom('EUR', 'USD', 'GBP'),
  },
  { requiredKeys: ['orderId', 'customerId', 'items'] },
);
export type Order = typeof validOrder extends fc.Arbitrary<infer T> ? T : never;

export const ce = (id: string, data: unknown, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id,
  source: '/hostile',
  type: 'OrderRequested',
  data,
  ...extra,
});

export const post =
  (ctx: CaseContext, body: string | Uint8Array, contentType?: string, extra: Record<string, string> = {}) =>
  (): Wire => ({
    via: 'fetch',
    method: 'POST',
    path: PUBLISH(ctx.topic),
    headers: {
      authorization: `Bearer ${ctx.token}`,
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
      ...extra,
    },
    body,
  });

export const make = (category: Category, expect: Expectation, wire: () => Wire): HostileCase => ({
  category,
  expect,
  wire,
});
export const accepted: Expectation = { kind: 'accepted' };
export const refused = (status: number): Expectation => ({ kind: 'refused', status });
