import { randomUUID } from 'node:crypto';
import { type Catalog, eventType, topicByName } from '../catalog';
import { dataSchemaUri, type Envelope, encodeEnvelope } from '../envelope';
import type { SchemaRegistry } from '../schemas';
import {
  type Finding,
  optionalString,
  optionalTime,
  PLAIN_FIELDS,
  type Report,
  resolvePartitionKey,
  resolveVersion,
} from './attributes';
import { IngressError } from './errors';
import { canonicalJson, derivedUuid, sha256 } from './hash';
import type { Mode, ParsedRequest, RawEvent } from './modes';

/** Kinesis's per-record limit, counted as data plus partition key bytes. */
export const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_REPORTED_PROBLEMS = 100;
const DEFAULT_WINDOW_HOURS = 24;

export interface IdempotencyClaimSpec {
  /** DynamoDB key of the claim, scoped to (producer, topic). */
  readonly pk: string;
  /** The key as the caller knows it, for 409 messages. */
  readonly display: string;
  readonly payloadHash: string;
  readonly windowHours: number;
}

/** A validated event, ready to write: its envelope, the record bytes, its idempotency claim if any. */
export interface PreparedEvent {
  readonly index: number;
  readonly envelope: Envelope;
  readonly bytes: Uint8Array;
  readonly idempotency?: IdempotencyClaimSpec;
}

export interface PrepareContext {
  readonly catalog: Catalog;
  readonly registry: SchemaRegistry;
  readonly topic: string;
  readonly producer: string;
  readonly now: () => Date;
  readonly newId?: () => string;
}

const prepareOne = (
  raw: RawEvent,
  index: number,
  mode: Mode,
  headerKey: string | undefined,
  ctx: PrepareContext,
  report: Report,
): PreparedEvent | undefined => {
  const f = raw.fields;
  const plain = mode === 'plain';
  let problems = 0;
  const note: Report = (...args) => {
    problems += 1;
    report(...args);
  };
  if (plain) {
    for (const name of Object.keys(f))
      if (!PLAIN_FIELDS.has(name)) note(`/${name}`, `unknown field ${name}`, [...PLAIN_FIELDS].join(', '));
  } else {
    if (f.specversion !== '1.0') note('/specversion', 'specversion must be "1.0"', '"1.0"');
    if ('data_base64' in f) note('/data_base64', 'only JSON data is accepted', 'data as JSON');
    const dct = f.datacontenttype;
    if (dct !== undefined && (typeof dct !== 'string' || !/^application\/([\w.-]+\+)?json(;|$)/i.test(dct)))
      note('/datacontenttype', 'only JSON data is accepted', 'application/json');
  }
  const type = optionalString(f, 'type', note);
  if (type === undefined && f.type === undefined)
    note('/type', 'type is required', 'an event type of the topic');
  const source = optionalString(f, 'source', note) ?? (plain ? `/producers/${ctx.producer}` : undefined);
  if (source === undefined && f.source === undefined)
    note('/source', 'source is required', 'a URI-reference');
  const givenId = optionalString(f, 'id', note);
  const time = optionalTime(f, note);
  const correlationid = optionalString(f, 'correlationid', note);
  const causationid = optionalString(f, 'causationid', note);
  if (!('data' in f)) note('/data', 'data is required', 'a JSON value');
  if (type === undefined) return undefined;

  const spec = eventType(ctx.catalog, type);
  if (!spec || spec.topic !== ctx.topic) {
    const types = ctx.catalog.eventTypes.filter((e) => e.topic === ctx.topic).map((e) => e.type);
    note('/type', `${type} is not an event type of topic ${ctx.topic}`, `one of ${types.join(', ')}`);
    return undefined;
  }
  if (spec.writer !== ctx.producer) {
    note('/type', `producer ${ctx.producer} does not own ${type}`, `a type written by ${ctx.producer}`, 403);
    return undefined;
  }
  const version = resolveVersion(f, type, plain ? 'version' : 'dataversion', ctx.registry, note);
  if (version !== undefined && 'data' in f) {
    const result = ctx.registry.validate(type, version, f.data);
    if (!result.ok) for (const e of result.errors) note(`/data${e.path}`, e.message, e.expected);
  }
  const keyName = plain ? 'key' : 'partitionkey';
  const partitionkey = resolvePartitionKey(f[keyName], `/${keyName}`, f.data, spec.keyField, note);
  if (problems > 0 || version === undefined || source === undefined || partitionkey === undefined)
    return undefined;

  const fixed = {
    type,
    dataversion: version,
    source,
    partitionkey,
    time,
    correlationid,
    causationid,
    data: f.data,
  };
  const scope = [ctx.producer, ctx.topic];
  const key = headerKey
    ? { parts: ['header', ...scope, headerKey], display: `Idempotency-Key "${headerKey}"` }
    : givenId
      ? { parts: ['event', ...scope, source, givenId], display: `(source "${source}", id "${givenId}")` }
      : undefined;
  const id = givenId ?? (key ? derivedUuid(key.parts.join('\u0000')) : (ctx.newId ?? randomUUID)());
  const envelope: Envelope = {
    specversion: '1.0',
    id,
    source,
    type,
    time: time ?? ctx.now().toISOString(),
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(type, version),
    dataversion: version,
    partitionkey,
    ...(correlationid === undefined ? {} : { correlationid }),
    ...(causationid === undefined ? {} : { causationid }),
    data: f.data,
  };
  const bytes = encodeEnvelope(envelope);
  const size = bytes.byteLength + Buffer.byteLength(partitionkey);
  if (size > MAX_RECORD_BYTES) {
    note(
      '',
      `the stored event is ${size} bytes, over the record limit`,
      `at most ${MAX_RECORD_BYTES} bytes`,
      413,
    );
    return undefined;
  }
  if (!key) return { index, envelope, bytes };
  const windowHours = topicByName(ctx.catalog, ctx.topic)?.idempotencyWindowHours ?? DEFAULT_WINDOW_HOURS;
  const pk = `ingress#${ctx.topic}#${sha256(key.parts.join('\u0000'))}`;
  const payloadHash = sha256(canonicalJson({ ...fixed, id: givenId }));
  return { index, envelope, bytes, idempotency: { pk, display: key.display, payloadHash, windowHours } };
};

/**
 * Validates every event of a request and builds its envelope. All-or-nothing: one bad event rejects the
 * request (403 when the producer does not own a type, else 400, else 413 for an oversized event), with
 * every problem found (up to 100) so a client can fix a batch in one round trip.
 */
export const prepareEvents = (request: ParsedRequest, ctx: PrepareContext): PreparedEvent[] => {
  if (request.idempotencyKey !== undefined && request.events.length !== 1)
    throw new IngressError(
      'MALFORMED_REQUEST',
      'The Idempotency-Key header applies to a request with one event.',
    );
  if (request.idempotencyKey === '')
    throw new IngressError('MALFORMED_REQUEST', 'The Idempotency-Key header must not be empty.');
  const findings: Finding[] = [];
  const prepared: PreparedEvent[] = [];
  request.events.forEach((raw, index) => {
    const report: Report = (path, message, expected, status = 400) =>
      findings.push({ index, path, message, ...(expected === undefined ? {} : { expected }), status });
    const event = prepareOne(raw, index, request.mode, request.idempotencyKey, ctx, report);
    if (event) prepared.push(event);
  });
  if (findings.length === 0) return prepared;
  const pick = (status: Finding['status']) =>
    findings
      .filter((f) => f.status === status)
      .slice(0, MAX_REPORTED_PROBLEMS)
      .map(({ status: _, ...problem }) => problem);
  if (findings.some((f) => f.status === 403))
    throw new IngressError(
      'FORBIDDEN',
      `Producer ${ctx.producer} may not write these event types.`,
      pick(403),
    );
  if (findings.some((f) => f.status === 400))
    throw new IngressError(
      'INVALID_EVENTS',
      'The request has invalid events; nothing was written.',
      pick(400),
    );
  throw new IngressError(
    'PAYLOAD_TOO_LARGE',
    'An event exceeds the record size limit; nothing was written.',
    pick(413),
  );
};
