import { EnvelopeDecodeError } from './errors';
import { type Envelope, type ExtensionValue, isExtensionName } from './types';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Serializes an envelope to the bytes stored in a Kinesis record: a CloudEvent in the JSON format, its
 * extensions as top-level members (JSON format 2: extensions MUST be serialized that way). A name
 * that is not an extension's is skipped, so an extension can never overwrite a core attribute.
 */
export const encodeEnvelope = (envelope: Envelope): Uint8Array => {
  // The ingress's case: no extensions member and data last (prepare-event builds it so). The envelope
  // is then its own JSON, the same bytes as below without the two copies (~25% of this function's
  // time per 1 KB event, docs/performance.md "Ingress CPU"). `Buffer.from` gives the bytes
  // `TextEncoder` would (JSON.stringify leaves no lone surrogate), but takes small ones from Node's
  // pool instead of allocating an ArrayBuffer per record.
  if (!('extensions' in envelope)) {
    let last: string | undefined;
    for (const key in envelope) last = key;
    if (last === 'data') return Buffer.from(JSON.stringify(envelope));
  }
  const { extensions, data, ...attributes } = envelope;
  // Without extensions the attributes keep their order, then data.
  if (extensions === undefined) return encoder.encode(JSON.stringify({ ...attributes, data }));
  const own = Object.entries(extensions ?? {}).filter(([name]) => isExtensionName(name));
  // Built from entries: an extension named `constructor` stays an own member like any other.
  return encoder.encode(
    JSON.stringify(Object.fromEntries([...Object.entries(attributes), ...own, ['data', data]])),
  );
};

const requireString = (record: Record<string, unknown>, field: string): string => {
  const value = record[field];
  if (typeof value !== 'string' || value.length === 0)
    throw new EnvelopeDecodeError(`envelope field "${field}" must be a non-empty string`, field);
  return value;
};

const optionalString = (record: Record<string, unknown>, field: string): string | undefined => {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new EnvelopeDecodeError(`envelope field "${field}" must be a string`, field);
  return value;
};

/** Every top-level member that is neither a core nor a Spine attribute; `null` means unset. */
const extensionsOf = (record: Record<string, unknown>): Record<string, ExtensionValue> | undefined => {
  const entries: [string, ExtensionValue][] = [];
  for (const [name, value] of Object.entries(record)) {
    if (!isExtensionName(name) || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw new EnvelopeDecodeError(`extension "${name}" must be a string, number or boolean`, name);
    entries.push([name, value]);
  }
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
};

/**
 * Decodes and structurally checks a stored envelope. `data` is returned as `unknown`: the consumer
 * runtime validates it against the catalog schema for `type`/`dataversion` before a handler sees it.
 * `subject` and the producer's extensions come back as sent; Spine's re-send mark does not (read it
 * with `resentSinceOfBytes`).
 */
export const decodeEnvelope = (bytes: Uint8Array): Envelope => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new EnvelopeDecodeError('record data is not UTF-8 JSON', undefined, { cause });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new EnvelopeDecodeError('record data is not a JSON object');
  const record = parsed as Record<string, unknown>;
  if (record.specversion !== '1.0') throw new EnvelopeDecodeError('specversion must be "1.0"', 'specversion');
  const dataversion = record.dataversion;
  if (typeof dataversion !== 'number' || !Number.isInteger(dataversion) || dataversion < 1)
    throw new EnvelopeDecodeError('dataversion must be a positive integer', 'dataversion');
  if (!('data' in record)) throw new EnvelopeDecodeError('envelope has no data', 'data');
  const correlationid = optionalString(record, 'correlationid');
  const causationid = optionalString(record, 'causationid');
  const subject = optionalString(record, 'subject');
  const extensions = extensionsOf(record);
  return {
    specversion: '1.0',
    id: requireString(record, 'id'),
    source: requireString(record, 'source'),
    type: requireString(record, 'type'),
    time: requireString(record, 'time'),
    // Records written before producers' media types were kept have none other than JSON.
    datacontenttype: optionalString(record, 'datacontenttype') ?? 'application/json',
    dataschema: requireString(record, 'dataschema'),
    dataversion,
    partitionkey: requireString(record, 'partitionkey'),
    ...(correlationid === undefined ? {} : { correlationid }),
    ...(causationid === undefined ? {} : { causationid }),
    ...(subject === undefined ? {} : { subject }),
    ...(extensions === undefined ? {} : { extensions }),
    data: record.data,
  };
};
