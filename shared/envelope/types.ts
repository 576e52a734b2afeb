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
  readonly datacontenttype: 'application/json';
  /** `urn:spine:schema:<type>:<version>` */
  readonly dataschema: string;
  /** Schema version of `data` (CloudEvents extension). */
  readonly dataversion: number;
  /** Kinesis partition key: the catalog key field unless the producer set `partitionkey`. */
  readonly partitionkey: string;
  readonly correlationid?: string;
  readonly causationid?: string;
  readonly data: TData;
}

export const dataSchemaUri = (type: string, version: number): string => `urn:spine:schema:${type}:${version}`;
