import { RESENT_ATTRIBUTE } from './resent';

/**
 * Value of a CloudEvents extension attribute in its JSON form (JSON event format, section 2.2): `Integer`
 * as a number (32-bit), `Boolean` as a boolean, every other type (String, URI, URI-reference,
 * Timestamp, Binary as base64) as its canonical string. Binary-mode headers carry no type, so their
 * values stay canonical strings.
 */
export type ExtensionValue = string | number | boolean;

/**
 * The envelope Spine stores in every Kinesis record: CloudEvents 1.0 structured-mode JSON with
 * Spine's extensions. Consumers can trust every field: the ingress (or the runtime, for emitted
 * events) validated `data` against the catalog schema for `type` + `dataversion` before writing it.
 */
export interface Envelope<TData = unknown> {
  readonly specversion: '1.0';
  /** Unique per (source, id); producer-supplied ids double as the idempotency key. */
  readonly id: string;
  /** URI-reference naming the producer or service that emitted the event. */
  readonly source: string;
  /** Catalog event type, e.g. `OrderRequested`. */
  readonly type: string;
  /** RFC 3339 time of the occurrence (set at ingress when absent). */
  readonly time: string;
  /** A JSON media type: `application/json` unless the producer named another (`application/x+json`). */
  readonly datacontenttype: string;
  /** `urn:spine:schema:<type>:<version>` */
  readonly dataschema: string;
  /** Schema version of `data` (CloudEvents extension). */
  readonly dataversion: number;
  /** Kinesis partition key: the catalog key field unless the producer set `partitionkey`. */
  readonly partitionkey: string;
  readonly correlationid?: string;
  readonly causationid?: string;
  /** What the event is about within its source (CloudEvents `subject`), as the producer set it. */
  readonly subject?: string;
  /**
   * The producer's own extension attributes, by name. In the record they are top-level members of the
   * CloudEvent, as the JSON format requires; only this in-memory form groups them. Absent when none.
   */
  readonly extensions?: Readonly<Record<string, ExtensionValue>>;
  readonly data: TData;
}

export const dataSchemaUri = (type: string, version: number): string => `urn:spine:schema:${type}:${version}`;

/** CloudEvents core attributes and the JSON format's data members: never an extension. */
export const CORE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
  'data',
  'data_base64',
]);

/**
 * Extension names Spine gives a meaning to. A producer may set the first four (they steer the key, the
 * schema version and tracing); `spineresent` is set only by Spine's writers on a re-send (see
 * resent.ts), since a producer-set mark would make consumers search the shard for nothing.
 */
export const SPINE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'dataversion',
  'partitionkey',
  'correlationid',
  'causationid',
  RESENT_ATTRIBUTE,
]);

/** Spine attributes a producer may not set. */
export const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set([RESENT_ATTRIBUTE]);

/** True for a name that is a producer's extension: neither a core attribute nor one of Spine's. */
export const isExtensionName = (name: string): boolean =>
  !CORE_ATTRIBUTES.has(name) && !SPINE_ATTRIBUTES.has(name);
