import { eventType } from '../catalog';
import { dataSchemaUri, type Envelope, encodeEnvelope } from '../envelope';
import { type Report, resolvePartitionKey, resolveVersion } from './attributes';
import { MAX_RECORD_BYTES } from './batching';
import { eventIdentity, type MemberIdentity, memberIdentity } from './idempotency-key';
import type { Mode, RawEvent } from './modes';
import type { PrepareContext, PreparedEvent } from './prepared';
import { readAttributes } from './read-attributes';

/** What the events of one request share. */
export interface RequestFacts {
  readonly mode: Mode;
  /** The `Idempotency-Key` header, when sent with one event: that event's key. */
  readonly headerKey: string | undefined;
  /** The `Idempotency-Key` header, when sent with several events: one claim covers them all. */
  readonly batchKey?: string;
  /** The `time` of events sent without one: read once per request, not once per event. */
  readonly receivedAt: () => string;
}

/** A prepared event, and, in a request whose one key covers several events, its part of that claim. */
export interface PreparedOne {
  readonly event: PreparedEvent;
  readonly member?: MemberIdentity;
}

/**
 * Checks one event against the catalog (type on this topic, owned by the producer, schema of its version,
 * partition key) and builds its envelope and record bytes. Returns undefined when anything was reported.
 */
export const prepareEvent = (
  raw: RawEvent,
  index: number,
  { mode, headerKey, batchKey, receivedAt }: RequestFacts,
  ctx: PrepareContext,
  report: Report,
): PreparedOne | undefined => {
  const f = raw.fields;
  const plain = mode === 'plain';
  let problems = 0;
  const note: Report = (...args) => {
    problems += 1;
    report(...args);
  };
  const attrs = readAttributes(f, mode, ctx.producer, note);
  const { type, source } = attrs;
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
  if (version !== undefined && attrs.hasData) {
    const result = ctx.registry.validate(type, version, f.data);
    if (!result.ok) for (const e of result.errors) note(`/data${e.path}`, e.message, e.expected);
  }
  const keyName = plain ? 'key' : 'partitionkey';
  const partitionkey = resolvePartitionKey(f[keyName], `/${keyName}`, f.data, spec.keyField, note);
  if (problems > 0 || version === undefined || source === undefined || partitionkey === undefined)
    return undefined;

  const { time, correlationid, causationid, subject, datacontenttype } = attrs;
  const extensions = Object.keys(attrs.extensions).length > 0 ? attrs.extensions : undefined;
  // Everything the producer sent that makes the event what it is: a repeat of its key with another
  // subject or extension is another event. Absent members hash as before they were stored.
  const payload = () => ({
    type,
    dataversion: version,
    source,
    partitionkey,
    time,
    correlationid,
    causationid,
    subject,
    datacontenttype: datacontenttype === 'application/json' ? undefined : datacontenttype,
    extensions,
    data: f.data,
  });
  const member =
    batchKey === undefined ? undefined : memberIdentity(ctx, batchKey, index, source, attrs.id, payload);
  const identity = member ?? eventIdentity(ctx, source, attrs.id, headerKey, payload);
  const envelope: Envelope = {
    specversion: '1.0',
    id: identity.id,
    source,
    type,
    time: time ?? receivedAt(),
    // JSON format 3.1.2: an event with no datacontenttype is re-serialized as application/json.
    datacontenttype: datacontenttype ?? 'application/json',
    dataschema: dataSchemaUri(type, version),
    dataversion: version,
    partitionkey,
    ...(correlationid === undefined ? {} : { correlationid }),
    ...(causationid === undefined ? {} : { causationid }),
    ...(subject === undefined ? {} : { subject }),
    ...(extensions === undefined ? {} : { extensions }),
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
  if (member) return { event: { index, envelope, bytes }, member };
  return 'claim' in identity && identity.claim
    ? { event: { index, envelope, bytes, idempotency: identity.claim } }
    : { event: { index, envelope, bytes } };
};
