import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../shared/envelope';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { bodyOf, ingressWithMocks, order, PUBLISH } from './ingress-support';

/**
 * The MUST and MUST NOT rules of CloudEvents 1.0 (core spec, JSON event format, HTTP binding) as the
 * ingress receives them. Each row of docs/cloudevents-conformance.md names the test here that holds it.
 */

const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };

const post = (headers: Record<string, string>, body: unknown) =>
  httpEvent({
    routeKey: PUBLISH,
    pathParameters: { topic: 'orders' },
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    userArn: assumedRoleArn('storefront-role'),
  });

const ce = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  specversion: '1.0',
  id,
  source: '/shop',
  type: 'OrderRequested',
  data: order(id),
  ...extra,
});

const binaryHeaders = (id: string, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': id,
  'ce-source': '/shop',
  'ce-type': 'OrderRequested',
  ...extra,
});

type Mock = ReturnType<typeof ingressWithMocks>['kinesisMock'];
/** The records as Kinesis got them: the raw JSON (the wire form) of each. */
const wire = (mock: Mock): Record<string, unknown>[] =>
  mock
    .commandCalls(PutRecordsCommand)
    .flatMap((c) => (c.args[0].input.Records ?? []).map((r) => r.Data ?? new Uint8Array()))
    .map((bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>);

const send = async (headers: Record<string, string>, body: unknown) => {
  const { ingress, kinesisMock } = ingressWithMocks();
  const result = await ingress(post(headers, body));
  return { status: result.statusCode, body: bodyOf(result), stored: wire(kinesisMock) };
};

const paths = (body: Record<string, unknown>) =>
  ((body.errors ?? []) as { index: number; path: string }[]).map((e) => `${e.index}${e.path}`);

describe('ingress as a CloudEvents 1.0 receiver', () => {
  describe('REQUIRED attributes (core spec: id, source, specversion, type)', () => {
    it('refuses a structured event without id', async () => {
      // Act
      const { status, body, stored } = await send(STRUCTURED, { ...ce('x'), id: undefined });
      // Assess
      expect(status).toBe(400);
      expect(body.errors).toEqual([
        { index: 0, path: '/id', message: 'id is required', expected: 'a non-empty string' },
      ]);
      expect(stored).toEqual([]);
    });

    it('refuses a batch in which one event has no id, writing none of it', async () => {
      // Act
      const { status, body, stored } = await send(BATCH, [ce('a'), { ...ce('b'), id: undefined }]);
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['1/id']);
      expect(stored).toEqual([]);
    });

    it('refuses a binary event without ce-id', async () => {
      // Prepare
      const { 'ce-id': _, ...headers } = binaryHeaders('x');
      // Act
      const { status, body } = await send(headers, order('x'));
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/id']);
    });

    it('still generates an id in plain JSON mode, which is not a CloudEvents mode', async () => {
      // Act
      const { status, stored } = await send(
        { 'content-type': 'application/json' },
        { type: 'OrderRequested', data: order() },
      );
      // Assess
      expect(status).toBe(202);
      expect(stored[0]?.id).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    });

    it.each(['id', 'source', 'type', 'specversion'])('refuses an empty or null %s', async (name) => {
      // Act
      const empty = await send(STRUCTURED, ce('e', { [name]: '' }));
      const nulled = await send(STRUCTURED, ce('n', { [name]: null }));
      // Assess
      expect([empty.status, nulled.status]).toEqual([400, 400]);
      expect(paths(empty.body)).toEqual([`0/${name}`]);
      expect(paths(nulled.body)).toEqual([`0/${name}`]);
    });

    it.each([
      ['a space', '/shop floor'],
      ['a scheme that is not one', '1http://x'],
      ['a lone percent', '/shop/100%'],
      ['a non-ASCII character', '/caf\u00e9'],
    ])('refuses a source that is not a URI-reference: %s', async (_name, source) => {
      // Act
      const { status, body } = await send(STRUCTURED, ce('u', { source }));
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/source']);
    });

    it('refuses an attribute that appears twice, however it is escaped, in structured and batch mode', async () => {
      // Prepare: JSON.parse would keep the last of two members silently.
      const twice =
        '{"specversion":"1.0","id":"a","\\u0069d":"b","source":"/s","type":"OrderRequested","data":{}}';
      const batch = `[${JSON.stringify(ce('ok'))},{"specversion":"1.0","id":"c","source":"/s","source":"/t","type":"OrderRequested","data":{}}]`;
      // Act
      const structured = await send(STRUCTURED, twice);
      const batched = await send(BATCH, batch);
      // Assess
      expect(structured.status).toBe(400);
      expect(structured.body.errors).toEqual([
        { index: 0, path: '/id', message: 'id appears more than once', expected: 'each attribute once' },
      ]);
      expect(paths(batched.body)).toEqual(['1/source']);
      expect(batched.stored).toEqual([]);
    });

    it('leaves repeated names inside data to JSON (data is not attributes)', async () => {
      // Act
      const text = JSON.stringify(ce('dd')).replace('"orderId":"dd"', '"orderId":"x","orderId":"dd"');
      const { status, stored } = await send(STRUCTURED, text);
      // Assess
      expect(status).toBe(202);
      expect(stored[0]?.data).toEqual(order('dd'));
    });

    it.each([
      'https://github.com/cloudevents',
      'mailto:cncf-wg-serverless@lists.cncf.io',
      'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
      '/cloudevents/spec/pull/123',
      '1-555-123-4567',
      '/caf%C3%A9',
    ])('accepts the URI-reference %s as source', async (source) => {
      // Act
      const { status, stored } = await send(STRUCTURED, ce('ok', { source }));
      // Assess
      expect(status).toBe(202);
      expect(stored[0]?.source).toBe(source);
    });
  });

  describe('OPTIONAL attributes', () => {
    it('refuses an empty subject', async () => {
      // Act
      const { status, body, stored } = await send(STRUCTURED, ce('s', { subject: '' }));
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/subject']);
      expect(stored).toEqual([]);
    });

    it('keeps subject in the stored envelope, in structured and binary mode', async () => {
      // Act
      const structured = await send(STRUCTURED, ce('s', { subject: 'orders/o-1' }));
      const binary = await send(binaryHeaders('b', { 'ce-subject': 'orders/o-2' }), order('b'));
      // Assess
      expect(structured.stored[0]?.subject).toBe('orders/o-1');
      expect(binary.stored[0]?.subject).toBe('orders/o-2');
    });

    it('treats null time, datacontenttype, dataschema, subject and extensions as unset (JSON format 2.2)', async () => {
      // Act
      const { status, stored } = await send(
        STRUCTURED,
        ce('nulls', { time: null, datacontenttype: null, dataschema: null, subject: null, unsetext: null }),
      );
      // Assess
      expect(status).toBe(202);
      expect(stored[0]).toMatchObject({
        time: '2024-05-01T12:00:00.000Z',
        datacontenttype: 'application/json',
        dataschema: 'urn:spine:schema:OrderRequested:1',
      });
      expect(stored[0]).not.toHaveProperty('subject');
      expect(stored[0]).not.toHaveProperty('unsetext');
    });

    it.each([
      ['not RFC 3339', '2024-05-01 12:00:00'],
      ['a day the month does not have', '2024-02-30T00:00:00Z'],
      ['hour 24', '2024-05-01T24:00:00Z'],
      ['an offset of 24 hours', '2024-05-01T12:00:00+24:00'],
    ])('refuses a time that is %s', async (_name, time) => {
      // Act
      const { status, body } = await send(STRUCTURED, ce('t', { time }));
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/time']);
    });

    it('accepts a leap second and keeps the time as sent', async () => {
      // Act
      const { status, stored } = await send(STRUCTURED, ce('leap', { time: '2016-12-31T23:59:60Z' }));
      // Assess
      expect(status).toBe(202);
      expect(stored[0]?.time).toBe('2016-12-31T23:59:60Z');
    });

    it('keeps a JSON datacontenttype as sent and refuses one that is not JSON or not a media type', async () => {
      // Act
      const vendor = await send(STRUCTURED, ce('v', { datacontenttype: 'application/vnd.shop.order+json' }));
      const xml = await send(STRUCTURED, ce('x', { datacontenttype: 'application/xml' }));
      const junk = await send(STRUCTURED, ce('j', { datacontenttype: 'json' }));
      // Assess
      expect(vendor.stored[0]?.datacontenttype).toBe('application/vnd.shop.order+json');
      expect([xml.status, junk.status]).toEqual([400, 400]);
    });

    it('refuses data_base64: Spine stores JSON data only, and never misreads base64 as JSON', async () => {
      // Act
      const { status, body } = await send(STRUCTURED, {
        ...ce('b64', { data_base64: 'AAAA' }),
        data: undefined,
      });
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(expect.arrayContaining(['0/data_base64', '0/data']));
    });

    it('refuses a dataschema other than the URN the registry gives the schema, with the exact error', async () => {
      // Act
      const { status, body } = await send(
        STRUCTURED,
        ce('ds', { dataschema: 'https://registry.example/schemas/OrderRequested/1' }),
      );
      // Assess
      expect(status).toBe(400);
      expect(body.errors).toEqual([
        {
          index: 0,
          path: '/dataschema',
          message:
            'dataschema must be the $id of a schema of OrderRequested, as GET /schemas/OrderRequested/<version> serves it',
          expected: 'urn:spine:schema:OrderRequested:<version>',
        },
      ]);
    });
  });

  describe('extension attributes', () => {
    const extensions = {
      extstring: 'a string',
      extinteger: 42,
      extnegative: -2147483648,
      extmax: 2147483647,
      extboolean: true,
      extfalse: false,
      exturi: 'https://example.com/x',
      exttimestamp: '2024-05-01T12:00:00Z',
      extbinary: 'AQIDBA==',
      extempty: '',
    };

    it('keeps every extension of a structured event, in its JSON type, at the top level of the record', async () => {
      // Act
      const { status, stored } = await send(STRUCTURED, ce('ext', extensions));
      // Assess
      expect(status).toBe(202);
      expect(stored[0]).toMatchObject(extensions);
    });

    it('keeps every extension of a batch event', async () => {
      // Act
      const { stored } = await send(BATCH, [ce('a', { exta: 1 }), ce('b', { extb: 'two' })]);
      // Assess
      expect(stored.map((e) => [e.exta, e.extb])).toEqual([
        [1, undefined],
        [undefined, 'two'],
      ]);
    });

    it('keeps every ce- header of a binary event as its canonical string', async () => {
      // Act
      const { status, stored } = await send(
        binaryHeaders('bin', {
          'ce-extinteger': '42',
          'ce-extboolean': 'true',
          'ce-exturi': 'https://example.com/x',
          'ce-exttimestamp': '2024-05-01T12:00:00Z',
          'ce-extbinary': 'AQIDBA==',
        }),
        order('bin'),
      );
      // Assess
      expect(status).toBe(202);
      expect(stored[0]).toMatchObject({
        extinteger: '42',
        extboolean: 'true',
        exturi: 'https://example.com/x',
        exttimestamp: '2024-05-01T12:00:00Z',
        extbinary: 'AQIDBA==',
      });
    });

    it('hands the extensions and subject back from decodeEnvelope', async () => {
      // Prepare
      const { ingress, kinesisMock } = ingressWithMocks();
      // Act
      await ingress(post(STRUCTURED, ce('dec', { subject: 'sub', extinteger: 7, extstring: 'x' })));
      // Assess
      const data = kinesisMock.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records?.[0]?.Data;
      const envelope = decodeEnvelope(data ?? new Uint8Array());
      expect(envelope.subject).toBe('sub');
      expect(envelope.extensions).toEqual({ extinteger: 7, extstring: 'x' });
    });

    it.each([
      ['an object', { a: 1 }],
      ['an array', [1]],
      ['a fraction', 1.5],
      ['an integer above the 32-bit range', 2147483648],
      ['an integer below the 32-bit range', -2147483649],
    ])('refuses an extension whose value is %s', async (_name, value) => {
      // Act
      const { status, body } = await send(STRUCTURED, ce('v', { extvalue: value }));
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/extvalue']);
    });

    it.each(['extUpper', 'ext_under', 'ext-dash', '__proto__'])(
      'refuses the attribute name %s',
      async (name) => {
        // Act
        const { status, body } = await send(STRUCTURED, ce('n', { [name]: 'x' }));
        // Assess
        expect(status).toBe(400);
        expect(body.errors).toMatchObject([{ expected: '[a-z0-9]+' }]);
      },
    );

    it('refuses spineresent, which only Spine writers set on a re-send', async () => {
      // Act
      const structured = await send(STRUCTURED, ce('r', { spineresent: '2024-05-01T12:00:00Z' }));
      const binary = await send(binaryHeaders('r', { 'ce-spineresent': '2024-05-01T12:00:00Z' }), order('r'));
      // Assess
      expect([structured.status, binary.status]).toEqual([400, 400]);
      expect(structured.body.errors).toMatchObject([
        { path: '/spineresent', message: expect.stringContaining('reserved') },
      ]);
      expect(paths(binary.body)).toEqual(['0/spineresent']);
    });

    it('keeps the Spine extensions a producer may set: partitionkey, dataversion, correlationid, causationid', async () => {
      // Act
      const { stored } = await send(
        STRUCTURED,
        ce('own', { partitionkey: 'pk', dataversion: 1, correlationid: 'c', causationid: 'k' }),
      );
      // Assess
      expect(stored[0]).toMatchObject({
        partitionkey: 'pk',
        dataversion: 1,
        correlationid: 'c',
        causationid: 'k',
      });
    });
  });

  describe('String type: no control characters, noncharacters or lone surrogates', () => {
    it.each([
      ['U+0001', '\u0001'],
      ['U+001F', '\u001f'],
      ['U+007F', '\u007f'],
      ['U+0085', '\u0085'],
      ['U+FFFE', '\ufffe'],
      ['U+FDD0', '\ufdd0'],
      ['U+1FFFF', '\u{1ffff}'],
      ['a lone surrogate', '\ud800'],
    ])('refuses %s in id, subject, type, correlationid and an extension', async (_name, bad) => {
      // Act
      const events = [
        ce('i', { id: `i${bad}` }),
        ce('s', { subject: `s${bad}` }),
        ce('t', { type: `OrderRequested${bad}` }),
        ce('c', { correlationid: `c${bad}` }),
        ce('e', { extstring: `e${bad}` }),
      ];
      const { status, body } = await send(STRUCTURED, events[0]);
      const batch = await send(BATCH, events);
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/id']);
      expect(paths(batch.body)).toEqual(['0/id', '1/subject', '2/type', '3/correlationid', '4/extstring']);
    });

    it('accepts a properly paired surrogate and other Unicode', async () => {
      // Act
      const { status, stored } = await send(
        STRUCTURED,
        ce('u', { id: 'u-\ud83d\ude00-\u20ac', subject: 'caf\u00e9' }),
      );
      // Assess
      expect(status).toBe(202);
      expect(stored[0]).toMatchObject({ id: 'u-\ud83d\ude00-\u20ac', subject: 'caf\u00e9' });
    });
  });

  describe('JSON batch format', () => {
    it('answers an empty batch with 202 and no results, writing nothing', async () => {
      // Prepare
      const { ingress, kinesisMock } = ingressWithMocks();
      // Act
      const result = await ingress(post(BATCH, []));
      // Assess
      expect(result.statusCode).toBe(202);
      expect(bodyOf(result)).toEqual({ results: [] });
      expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
    });

    it('refuses a batch whose events do not all have specversion 1.0', async () => {
      // Act
      const { status, body } = await send(BATCH, [ce('a'), ce('b', { specversion: '0.3' })]);
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['1/specversion']);
    });
  });

  describe('HTTP binding, binary mode', () => {
    it('refuses a ce-datacontenttype header next to Content-Type', async () => {
      // Act
      const { status, body } = await send(
        binaryHeaders('d', { 'ce-datacontenttype': 'application/json' }),
        order('d'),
      );
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/datacontenttype']);
    });

    it('refuses a ce-data header: data is not an attribute name', async () => {
      // Act
      const { status, body } = await send(binaryHeaders('d', { 'ce-data': '{}' }), order('d'));
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/data']);
    });

    it('takes datacontenttype from Content-Type, parameters included', async () => {
      // Act
      const { stored } = await send(
        binaryHeaders('ct', { 'content-type': 'application/vnd.shop+json; charset=utf-8' }),
        order('ct'),
      );
      // Assess
      expect(stored[0]?.datacontenttype).toBe('application/vnd.shop+json; charset=utf-8');
    });

    it.each([
      ['the spec example', 'Euro%20%E2%82%AC%20%F0%9F%98%80', 'Euro \u20ac \u{1f600}'],
      ['lower-case hex', 'Euro%20%e2%82%ac', 'Euro \u20ac'],
      ['needlessly encoded characters', '%41bc%2Fd', 'Abc/d'],
      ['a double-quoted value', '"a \\"quoted\\" value"', 'a "quoted" value'],
      ['a double-quoted percent-encoded value', '"100%25"', '100%'],
    ])('decodes header values: %s', async (_name, header, expected) => {
      // Act
      const { status, stored } = await send(binaryHeaders('h', { 'ce-subject': header }), order('h'));
      // Assess
      expect(status).toBe(202);
      expect(stored[0]?.subject).toBe(expected);
    });

    it.each([
      ['an overlong UTF-8 sequence', '%C0%A0'],
      ['a truncated UTF-8 sequence', '%E2%82'],
      ['a percent sign without two hex digits', '100%'],
      ['bad hex digits', '%zz'],
      ['an unterminated double quote', '"abc'],
    ])('refuses a header value with %s', async (_name, header) => {
      // Act
      const { status, body, stored } = await send(binaryHeaders('h', { 'ce-subject': header }), order('h'));
      // Assess
      expect(status).toBe(400);
      expect(paths(body)).toEqual(['0/subject']);
      expect(stored).toEqual([]);
    });
  });

  describe('HTTP binding, structured mode', () => {
    it('takes every attribute from the body and none from ce- headers', async () => {
      // Act
      const { stored } = await send(
        { ...STRUCTURED, 'ce-id': 'from-header', 'ce-extheader': 'x' },
        ce('from-body'),
      );
      // Assess
      expect(stored[0]?.id).toBe('from-body');
      expect(stored[0]).not.toHaveProperty('extheader');
    });

    it('accepts the media type with parameters', async () => {
      // Act
      const { status } = await send(
        { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
        ce('p'),
      );
      // Assess
      expect(status).toBe(202);
    });
  });
});
