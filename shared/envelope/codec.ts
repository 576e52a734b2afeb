import { EnvelopeDecodeError } from './errors';
import type { Envelope } from './types';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Serializes an envelope to the bytes stored in a Kinesis record. */
export const encodeEnvelope = (envelope: Envelope): Uint8Array => encoder.encode(JSON.stringify(envelope));

const requireString = (record: Record<string, unknown>, field: string): string => {
  const value = record[field];
  if (typeof value !== 'string' || value.length === 0)
    throw new EnvelopeDecodeError(`envelope field "${field}" must be a non-empty string`, field);
  return value;
};

const optionalString = (record: Record<string, unknown>, field: string): string | undefined => {
  const value = record[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new EnvelopeDecodeError(`envelope field "${field}" must be a string`, field);
  return value;
};

/**
 * Decodes and structurally checks a stored envelope. `data` is returned as `unknown`: the consumer
 * runtime validates it against the catalog schema for `type`/`dataversion` before a handler sees it.
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
  return {
    specversion: '1.0',
    id: requireString(record, 'id'),
    source: requireString(record, 'source'),
    type: requireString(record, 'type'),
    time: requireString(record, 'time'),
    datacontenttype: 'application/json',
    dataschema: requireString(record, 'dataschema'),
    dataversion,
    partitionkey: requireString(record, 'partitionkey'),
    ...(correlationid === undefined ? {} : { correlationid }),
    ...(causationid === undefined ? {} : { causationid }),
    data: record.data,
  };
};
