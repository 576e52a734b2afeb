import type { SchemaRegistry } from '../schemas';
import { isCloudEventsString, isRfc3339 } from './ce-values';
import type { EventProblem } from './errors';

/** Problem plus the status it calls for: 400 (invalid), 403 (not the writer), 413 (too large). */
export interface Finding extends EventProblem {
  readonly status: 400 | 403 | 413;
}

export type Report = (path: string, message: string, expected?: string, status?: Finding['status']) => void;

const SCHEMA_URN = /^urn:spine:schema:(.+):([1-9][0-9]*)$/;

/** The CloudEvents attributes (and plain-mode fields) Spine reads; anything else is a typo in plain mode. */
export const PLAIN_FIELDS = new Set([
  'type',
  'key',
  'data',
  'id',
  'source',
  'version',
  'correlationid',
  'causationid',
]);

/**
 * Longest `id` and `source` accepted. They are the idempotency key and are stored in its DynamoDB claim
 * item, whose 400 KB limit a multi-megabyte id would break after the event was already written.
 */
export const MAX_IDENTITY_CHARS = 1024;

/** What a CloudEvents `String` may not contain (core spec, "Type System"). */
export const STRING_RULE =
  'no control characters (U+0000-U+001F, U+007F-U+009F), noncharacters or unpaired surrogates';

export const optionalString = (
  fields: Readonly<Record<string, unknown>>,
  name: string,
  report: Report,
  maxLength = Number.POSITIVE_INFINITY,
) => {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= maxLength) {
    if (isCloudEventsString(value)) return value;
    report(`/${name}`, `${name} has a character a CloudEvents String may not hold`, STRING_RULE);
    return undefined;
  }
  const limit = Number.isFinite(maxLength) ? `a string of 1 to ${maxLength} characters` : 'non-empty string';
  report(`/${name}`, `${name} must be ${limit}`, limit);
  return undefined;
};

export const optionalTime = (
  fields: Readonly<Record<string, unknown>>,
  report: Report,
): string | undefined => {
  const time = optionalString(fields, 'time', report);
  if (time === undefined) return undefined;
  if (isRfc3339(time)) return time;
  report('/time', 'time must be an RFC 3339 timestamp', 'RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z');
  return undefined;
};

const asVersion = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  if (typeof value === 'string' && /^[1-9][0-9]*$/.test(value)) return Number(value);
  return undefined;
};

/**
 * Schema version of the event: the `dataversion` extension (plain mode: `version`), else the version in a
 * `dataschema` URN, else the type's latest version. Contradictions are reported, not resolved.
 */
export const resolveVersion = (
  fields: Readonly<Record<string, unknown>>,
  type: string,
  versionField: 'dataversion' | 'version',
  registry: SchemaRegistry,
  report: Report,
): number | undefined => {
  let version: number | undefined;
  const explicit = fields[versionField];
  if (explicit !== undefined) {
    version = asVersion(explicit);
    if (version === undefined)
      report(`/${versionField}`, `${versionField} must be a positive integer`, 'integer >= 1');
  }
  const schema = fields.dataschema;
  if (schema !== undefined) {
    const match = typeof schema === 'string' ? SCHEMA_URN.exec(schema) : null;
    // The URN is the `$id` of the schema the registry serves; any other URI would need a second
    // naming scheme for one schema (see docs/cloudevents-conformance.md, "dataschema").
    if (!match || match[1] !== type) {
      report(
        '/dataschema',
        `dataschema must be the $id of a schema of ${type}, as GET /schemas/${type}/<version> serves it`,
        `urn:spine:schema:${type}:<version>`,
      );
      return undefined;
    }
    const fromUrn = Number(match[2]);
    if (version !== undefined && version !== fromUrn) {
      report(
        '/dataschema',
        `dataschema says version ${fromUrn} but dataversion says ${version}`,
        `version ${version}`,
      );
      return undefined;
    }
    version = fromUrn;
  }
  version ??= registry.latestVersion(type);
  if (version !== undefined && !registry.has(type, version)) {
    report(
      `/${versionField}`,
      `unknown version ${version} of ${type}`,
      `a version up to ${registry.latestVersion(type)}`,
    );
    return undefined;
  }
  return version;
};

/** Partition key: the `partitionkey` extension (plain mode: `key`) or the catalog key field of `data`. */
export const resolvePartitionKey = (
  explicit: unknown,
  explicitPath: string,
  data: unknown,
  keyField: string,
  report: Report,
): string | undefined => {
  let key: unknown = explicit;
  let path = explicitPath;
  if (key === undefined) {
    key = data && typeof data === 'object' ? (data as Record<string, unknown>)[keyField] : undefined;
    path = `/data/${keyField}`;
  }
  if (typeof key === 'number' && Number.isFinite(key)) key = String(key);
  // Kinesis caps keys at 256 characters; counting UTF-16 units is the strict reading. A key must be
  // well-formed Unicode, or the UTF-8 bytes Kinesis hashes would differ from the key in the envelope,
  // and a CloudEvents String, as it is the envelope's `partitionkey` attribute.
  if (typeof key !== 'string' || key.length === 0 || key.length > 256 || !isCloudEventsString(key)) {
    report(
      path,
      'the partition key must be a string of 1 to 256 characters',
      `1..256 characters, ${STRING_RULE}`,
    );
    return undefined;
  }
  return key;
};
