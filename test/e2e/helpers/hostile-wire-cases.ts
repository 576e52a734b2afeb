import fc from 'fast-check';
import {
  accepted,
  BATCH_CT,
  type CaseContext,
  CE_CT,
  ce,
  type Expectation,
  JSON_CT,
  make,
  PUBLISH,
  post,
  refused,
  validOrder,
  type Wire,
} from './hostile-kit';
import { rawPost } from './raw-http';

/** Header values with CR, LF, CRLF and NUL, sent as raw bytes (fetch refuses them): never a 5xx or a hang. */
export const crlfHeaders = (ctx: CaseContext) =>
  fc
    .tuple(
      validOrder,
      fc.constantFrom('\r', '\n', '\r\n', '\0', '\r\n ', '\r\n\r\n'),
      fc.constantFrom('idempotency-key', 'ce-source', 'content-type', 'authorization', 'x-trace'),
      fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')),
    )
    .map(([data, breaker, name, tail]) =>
      make('crlf-headers', { kind: 'lenient' }, () => {
        const body = Buffer.from(JSON.stringify({ type: 'OrderRequested', data }));
        const lines = [
          `Authorization: Bearer ${ctx.token}`,
          `Content-Type: ${JSON_CT}`,
          `${name}: ${ctx.run}${breaker}${tail}`,
        ];
        return { via: 'raw', bytes: rawPost(PUBLISH(ctx.topic), lines, body) };
      }),
    );

const media = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'text/html',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'image/png',
    'application/cloudevents',
    'application/cloudevents+xml',
    'application/json-patch+json',
    'application/jsonx',
    'json',
  ),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z+.-]{1,15}$/))
    .map(([a, b]) => `${a}/${b}`),
);

const contentTypeExpectation = (media: string | undefined, binary: boolean): Expectation => {
  const normalized = media?.split(';')[0]?.trim().toLowerCase() ?? '';
  // Structured and batch win over binary mode; their bodies here are not CloudEvents: 400.
  if (normalized === CE_CT || normalized === BATCH_CT) return refused(400);
  if (normalized === JSON_CT) return accepted;
  // Binary data is JSON when the subtype is json or ends in +json (CloudEvents JSON format 3.1.1).
  return binary && /\/(json|.*\+json)$/.test(normalized) ? accepted : refused(415);
};

/** Content types the ingress does not speak (or none at all), in plain and binary mode: 415. */
export const contentTypes = (ctx: CaseContext) =>
  fc
    .tuple(fc.uuid(), validOrder, fc.option(media, { nil: undefined }), fc.boolean())
    .map(([id, data, type, binary]) => {
      const body = new Uint8Array(
        Buffer.from(JSON.stringify(binary ? data : { type: 'OrderRequested', data })),
      );
      const extra: Record<string, string> = binary
        ? {
            'ce-specversion': '1.0',
            'ce-id': `${ctx.run}-${id}`,
            'ce-source': '/h',
            'ce-type': 'OrderRequested',
          }
        : {};
      return make('content-type', contentTypeExpectation(type, binary), post(ctx, body, type, extra));
    });

const TRAVERSALS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '..%5c..%5c',
  '%2e',
  'orders%2f..',
  'orders%00',
  '%00',
  '%252e%252e',
  '..;',
  '%c0%ae%c0%ae',
  '%zz',
  '..%2forders',
  '~',
  '%2forders',
];
const MULTI = ['../orders', 'orders/..', '../../etc/passwd', '', 'orders/../orders', './orders', 'a/b/c'];

const decodesTo = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

/** `..`, encoded `..` and friends as the topic, sent raw (fetch would normalize them): 404, never a write. */
export const pathTraversal = (ctx: CaseContext) =>
  fc
    .tuple(
      validOrder,
      fc.oneof(fc.constantFrom(...TRAVERSALS, ...MULTI), fc.stringMatching(/^[.%2fFeE5cC/a-z]{1,12}$/)),
    )
    .map(([data, segment]) => {
      const decoded = decodesTo(segment);
      // A segment that decodes to a topic is that topic (API Gateway decodes path parameters too).
      const expect =
        decoded === ctx.topic
          ? accepted
          : decoded !== undefined && ctx.topics.includes(decoded)
            ? refused(403)
            : refused(404);
      return make('path-traversal', expect, () => {
        const body = Buffer.from(JSON.stringify({ type: 'OrderRequested', data }));
        const lines = [`Authorization: Bearer ${ctx.token}`, `Content-Type: ${JSON_CT}`];
        return { via: 'raw', bytes: rawPost(`/topics/${segment}/events`, lines, body) };
      });
    });

const POLLUTERS = ['__proto__', 'constructor', 'prototype'];

/** `__proto__`, `constructor`, `prototype` as keys in data, attributes, headers, topics and schema types. */
export const pollution = (ctx: CaseContext) =>
  fc
    .tuple(fc.uuid(), validOrder, fc.constantFrom(...POLLUTERS), fc.integer({ min: 0, max: 7 }))
    .map(([id, data, key, where]) => {
      const payload = `{"polluted":"yes","isAdmin":true}`;
      const dataText = JSON.stringify(data);
      const withKey = (objText: string) => `{${JSON.stringify(key)}:${payload},${objText.slice(1)}`;
      const ceText = (extra: string) =>
        `{"specversion":"1.0","id":"${ctx.run}-${id}","source":"/p","type":"OrderRequested",${extra}"data":${dataText}}`;
      switch (where) {
        case 0: // in data (closed schema): 400
          return make(
            'pollution',
            refused(400),
            post(ctx, `{"type":"OrderRequested","data":${withKey(dataText)}}`, JSON_CT),
          );
        case 1: // in an item of data: 400
          return make(
            'pollution',
            refused(400),
            post(
              ctx,
              `{"type":"OrderRequested","data":${dataText.replace('"items":[{', `"items":[{${JSON.stringify(key)}:${payload},`)}}`,
              JSON_CT,
            ),
          );
        case 2: // as a plain-mode field: 400
          return make(
            'pollution',
            refused(400),
            post(ctx, withKey(`{"type":"OrderRequested","data":${dataText}}`), JSON_CT),
          );
        case 3: // as a structured extension with an object value: 400 (name or value)
          return make(
            'pollution',
            refused(400),
            post(ctx, ceText(`${JSON.stringify(key)}:${payload},`), CE_CT),
          );
        case 4: // as a structured extension with a string value: `__proto__` is not a legal name, the others are
          return make(
            'pollution',
            key === '__proto__' ? refused(400) : accepted,
            post(ctx, ceText(`${JSON.stringify(key)}:"x",`), CE_CT),
          );
        case 5: // as a binary-mode header
          return make(
            'pollution',
            key === '__proto__' ? refused(400) : accepted,
            post(ctx, dataText, JSON_CT, {
              'ce-specversion': '1.0',
              'ce-id': `${ctx.run}-${id}`,
              'ce-source': '/p',
              'ce-type': 'OrderRequested',
              [`ce-${key}`]: payload,
            }),
          );
        case 6: // as the topic
          return make('pollution', refused(404), () => ({
            ...(post(ctx, JSON.stringify({ type: 'OrderRequested', data }), JSON_CT)() as Wire & {
              via: 'fetch';
            }),
            path: PUBLISH(key),
          }));
        default: // as a schema type
          return make('pollution', refused(404), () => ({
            via: 'fetch',
            method: 'GET',
            path: `/schemas/${key}`,
            headers: { authorization: `Bearer ${ctx.token}` },
          }));
      }
    });

/**
 * A small pool of keys hit again and again, with one of two payloads, through the Idempotency-Key header
 * or (source, id), concurrently: 202 or 409; per key, every 202 is the first payload's one record.
 */
export const idempotency = (ctx: CaseContext) =>
  fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 1 }), fc.boolean())
    .map(([k, variant, header]) => {
      const data = {
        orderId: `${ctx.run}-idem-${k}`,
        customerId: 'c',
        items: [{ sku: 'S', quantity: 1 + variant, unitPrice: 1 }],
      };
      if (header)
        return make(
          'idempotency',
          { kind: 'keyed', key: `h${k}`, variant },
          post(ctx, JSON.stringify({ type: 'OrderRequested', data }), JSON_CT, {
            'idempotency-key': `${ctx.run}-key-${k}`,
          }),
        );
      return make(
        'idempotency',
        { kind: 'keyed', key: `e${k}`, variant },
        post(ctx, JSON.stringify(ce(`${ctx.run}-idem-${k}`, data)), CE_CT),
      );
    });

/** Within one batch: the same (source, id) twice with another payload is a 409, with the same payload one record. */
export const batchRepeats = (ctx: CaseContext) =>
  fc.tuple(fc.uuid(), validOrder, fc.boolean()).map(([id, data, same]) => {
    const other = { ...data, items: [{ sku: 'OTHER', quantity: 7, unitPrice: 1 }] };
    const events = [ce(`${ctx.run}-rep-${id}`, data), ce(`${ctx.run}-rep-${id}`, same ? data : other)];
    return make('idempotency', same ? accepted : refused(409), post(ctx, JSON.stringify(events), BATCH_CT));
  });
