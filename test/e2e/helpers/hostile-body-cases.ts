import fc from 'fast-check';
import {
  accepted,
  BATCH_CT,
  type CaseContext,
  CE_CT,
  ce,
  JSON_CT,
  make,
  type Order,
  post,
  refused,
  validOrder,
} from './hostile-kit';

/** Valid events in every mode. */
export const valid = (ctx: CaseContext) =>
  fc.oneof(
    fc.tuple(validOrder, fc.boolean()).map(([data, keyed]) =>
      make(
        'valid',
        accepted,
        post(
          ctx,
          JSON.stringify({
            type: 'OrderRequested',
            data,
            ...(keyed ? { key: `${ctx.run}-${data.orderId}` } : {}),
          }),
          JSON_CT,
        ),
      ),
    ),
    fc
      .tuple(fc.uuid(), validOrder)
      .map(([id, data]) =>
        make('valid', accepted, post(ctx, JSON.stringify(ce(`${ctx.run}-${id}`, data)), CE_CT)),
      ),
    fc.tuple(fc.uuid(), validOrder).map(([id, data]) =>
      make(
        'valid',
        accepted,
        post(ctx, JSON.stringify(data), JSON_CT, {
          'ce-specversion': '1.0',
          'ce-id': `${ctx.run}-${id}`,
          'ce-source': '/hostile/binary',
          'ce-type': 'OrderRequested',
        }),
      ),
    ),
    fc
      .array(fc.tuple(fc.uuid(), validOrder), { minLength: 1, maxLength: 12 })
      .map((events) =>
        make(
          'valid',
          accepted,
          post(ctx, JSON.stringify(events.map(([id, data]) => ce(`${ctx.run}-${id}`, data))), BATCH_CT),
        ),
      ),
  );

const notJson = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.tuple(validOrder, fc.nat()).map(([data, cut]) => {
    const text = JSON.stringify({ type: 'OrderRequested', data });
    return text.slice(0, cut % text.length);
  }),
  fc.constantFrom(
    '{"type":"OrderRequested",}',
    "{'type':'OrderRequested'}",
    '{"a":1}}',
    'NaN',
    '[1,]',
    '{"type":"OrderRequested","data":{"orderId":"x",}}',
  ),
);

/** Bodies that are not JSON (or not a JSON object where one is needed): always 400. */
export const malformed = (ctx: CaseContext) =>
  fc.oneof(
    fc
      .tuple(notJson, fc.constantFrom(JSON_CT, CE_CT, BATCH_CT))
      .map(([text, ct]) => make('malformed-json', refused(400), post(ctx, text, ct))),
    fc
      .tuple(
        fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string()),
        fc.constantFrom(JSON_CT, CE_CT),
      )
      .map(([value, ct]) => make('malformed-json', refused(400), post(ctx, JSON.stringify(value), ct))),
    fc
      .constantFrom('[1]', '{}', '"x"')
      .map((text) => make('malformed-json', refused(400), post(ctx, text, BATCH_CT))),
  );

const nonString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({ a: 1 }),
);
// Not null: a null attribute is unset (CloudEvents JSON format 2.2), so the latest version applies.
const badVersion = fc.oneof(fc.constantFrom(0, -1, 1.5, 'x', '01', true), fc.constant({ v: 1 }));
const notTime = fc.string({ maxLength: 40 }).filter((s) => !/^\d{4}-\d{2}-\d{2}T/.test(s));

type Event = Record<string, unknown>;
type Mutation = (event: Event, data: Order) => Event;
const set =
  (name: string) =>
  (value: unknown): Mutation =>
  (e) => ({ ...e, [name]: value });
const setData =
  (make: (d: Order, value: unknown) => unknown) =>
  (value: unknown): Mutation =>
  (e, d) => ({ ...e, data: make(d, value) });
const drop =
  (name: string): Mutation =>
  (e) =>
    Object.fromEntries(Object.entries(e).filter(([k]) => k !== name));
const mutations: fc.Arbitrary<Mutation>[] = [
  nonString.map(set('type')),
  fc.constantFrom('type', 'data', 'source', 'specversion').map(drop),
  fc
    .string({ maxLength: 8 })
    .filter((s) => s !== '1.0')
    .map(set('specversion')),
  fc.oneof(nonString, fc.constant('')).map(set('id')),
  notTime.map(set('time')),
  badVersion.map(set('dataversion')),
  fc.oneof(fc.string(), fc.integer(), fc.constant({})).map(setData((d, v) => ({ ...d, items: v }))),
  fc
    .oneof(
      fc.string(),
      fc.double().filter((v) => !Number.isInteger(v)),
      fc.constantFrom(0, 1001, -1, 2.5),
    )
    .map(setData((d, v) => ({ ...d, items: [{ ...d.items[0], quantity: v }] }))),
  fc
    .oneof(fc.integer(), fc.constant(''), fc.constant('x'.repeat(65)))
    .map(setData((d, v) => ({ ...d, orderId: v }))),
  fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.array(fc.integer())).map(set('data')),
  fc
    .oneof(fc.constant(''), fc.constant('k'.repeat(257)), fc.constant({}), fc.constant('\ud800'))
    .map(set('partitionkey')),
  fc.oneof(fc.integer(), fc.constant({})).map(set('correlationid')),
  fc.constantFrom('text/plain', 'application/xml', 'image/png').map(set('datacontenttype')),
  fc.constant(set('data_base64')('AAAA')),
  fc.oneof(fc.constant({ a: 1 }), fc.constant([1])).map(set('myext')),
];

/** One attribute or data field of an otherwise valid CloudEvent given a wrong type or value: 400. */
export const wrongTypes = (ctx: CaseContext) =>
  fc.tuple(fc.uuid(), validOrder, fc.oneof(...mutations), fc.boolean()).map(([id, data, mutate, batch]) => {
    const event = mutate(ce(`${ctx.run}-${id}`, data), data);
    const body = batch ? JSON.stringify([ce(`${ctx.run}-ok-${id}`, data), event]) : JSON.stringify(event);
    return make('wrong-types', refused(400), post(ctx, body, batch ? BATCH_CT : CE_CT));
  });

const nested = (depth: number, kind: 'array' | 'object') =>
  kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Thousands of levels of arrays or objects in data, an attribute or the whole body: 400, no crash. */
export const deepNesting = (ctx: CaseContext) =>
  fc
    .tuple(
      fc.integer({ min: 200, max: 20_000 }),
      fc.constantFrom('array', 'object' as const),
      fc.integer({ min: 0, max: 4 }),
    )
    .map(([depth, kind, where]) => {
      const deep = nested(depth, kind);
      const bodies = [
        [`{"type":"OrderRequested","data":${deep}}`, JSON_CT],
        [`{"type":"OrderRequested","data":{"orderId":"d","customerId":"c","items":${deep}}}`, JSON_CT],
        [
          `{"specversion":"1.0","id":"${ctx.run}-deep","source":"/h","type":"OrderRequested","deepext":${deep},"data":{}}`,
          CE_CT,
        ],
        [`[${deep}]`, BATCH_CT],
        [deep, JSON_CT],
      ] as const;
      const [body, ct] = bodies[where] ?? bodies[0];
      return make('deep-nesting', refused(400), post(ctx, body, ct));
    });

/** Arrays of 10k..100k elements in data or as a batch: 400 (schema) or 413 (over 500 events). */
export const hugeArrays = (ctx: CaseContext) =>
  fc.tuple(fc.integer({ min: 10_000, max: 100_000 }), fc.integer({ min: 0, max: 2 })).map(([n, where]) => {
    const zeros = `[${new Array(n).fill('0').join(',')}]`;
    if (where === 0)
      return make(
        'huge-arrays',
        refused(400),
        post(
          ctx,
          `{"type":"OrderRequested","data":{"orderId":"h","customerId":"c","items":${zeros}}}`,
          JSON_CT,
        ),
      );
    if (where === 1)
      return make('huge-arrays', refused(413), post(ctx, `[${new Array(n).fill('{}').join(',')}]`, BATCH_CT));
    return make('huge-arrays', refused(400), post(ctx, `{"type":"OrderRequested","data":${zeros}}`, JSON_CT));
  });

/**
 * Bodies over 10 MiB and events over the 1 MiB record limit (413), ids past 1024 characters (400: the id
 * is the idempotency key and lives in a 400 KB DynamoDB item). Big events that fit are left to
 * ingress-http.test.ts: kinesis-mock needs ~6 s per 900 KB record and stalls every other call meanwhile.
 */
export const oversized = (ctx: CaseContext) =>
  fc.oneof(
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 10 * 1024 * 1024 + 1, max: 11 * 1024 * 1024 })
        .map((n) =>
          make('oversized', refused(413), () =>
            post(ctx, `{"type":"OrderRequested","data":{"pad":"${'x'.repeat(n)}"}}`, JSON_CT)(),
          ),
        ),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.uuid(),
          validOrder,
          fc.integer({ min: 1024 * 1024, max: 1536 * 1024 }),
          fc.constantFrom('correlationid', 'causationid'),
        )
        .map(([id, data, n, field]) =>
          make('oversized', refused(413), () =>
            post(ctx, JSON.stringify(ce(`${ctx.run}-${id}`, data, { [field]: 'x'.repeat(n) })), CE_CT)(),
          ),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(validOrder, fc.integer({ min: 1025, max: 900_000 }), fc.constantFrom('id', 'source'))
        .map(([data, n, field]) =>
          make('oversized', refused(400), () =>
            post(
              ctx,
              JSON.stringify(ce(`${ctx.run}-long`, data, { [field]: `${ctx.run}-${'i'.repeat(n)}` })),
              CE_CT,
            )(),
          ),
        ),
    },
  );

const BAD_UTF8 = [
  [0xff],
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
];

/** Invalid UTF-8 inside a JSON string of an otherwise valid event: 400 (JSON is UTF-8). */
export const invalidUtf8 = (ctx: CaseContext) =>
  fc
    .tuple(validOrder, fc.constantFrom(...BAD_UTF8), fc.constantFrom(JSON_CT, CE_CT))
    .map(([data, bytes, ct]) => {
      const text =
        ct === JSON_CT
          ? JSON.stringify({ type: 'OrderRequested', data })
          : JSON.stringify(ce(`${ctx.run}-u8`, data));
      const at = text.indexOf('"customerId":"') + '"customerId":"'.length;
      const body = Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from(bytes),
        Buffer.from(text.slice(at)),
      ]);
      return make('invalid-utf8', refused(400), post(ctx, new Uint8Array(body), ct));
    });
