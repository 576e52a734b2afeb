import { type Catalog, type CdcSourceSpec, eventType, latestVersion } from '../catalog';
import { dataSchemaUri, derivedUuid, type Envelope } from '../envelope';
import type { SchemaRegistry, SchemaViolation } from '../schemas';
import type { Change } from './change';

/**
 * The event id of a change: derived from (source, item key, version, and whether the item was
 * removed). A snapshot read and a stream record of the same item at the same version give the same
 * id, so a copy that reaches the topic twice (a page re-read after a crash, a lost PutRecords answer)
 * is the same event to consumers. Limit: two writes that leave the version unchanged get one id.
 */
export const changeEventId = (source: string, change: Change): string =>
  derivedUuid(
    [
      'cdc',
      source,
      change.keyString,
      String(change.version),
      change.kind === 'remove' ? 'removed' : 'image',
    ].join('\u0000'),
  );

export type CapturedEvent =
  | { readonly ok: true; readonly envelope: Envelope<Record<string, unknown>> }
  | { readonly ok: false; readonly type: string; readonly id: string; readonly errors: SchemaViolation[] }
  /** The kind has no type in the source's mapping: nothing to publish. */
  | { readonly ok: 'unmapped' };

/**
 * A change as the CloudEvent the topic gets: `type` from the source's mapping, data = the image,
 * validated against the type's latest schema, partition key = the item key.
 */
export const captureEvent = (
  catalog: Catalog,
  schemas: SchemaRegistry,
  source: CdcSourceSpec,
  change: Change,
): CapturedEvent => {
  const type = source.types[change.kind];
  const spec = type === undefined ? undefined : eventType(catalog, type);
  if (type === undefined || !spec) return { ok: 'unmapped' };
  const version = latestVersion(spec);
  const id = changeEventId(source.name, change);
  const checked = schemas.validate(type, version, change.image);
  if (!checked.ok) return { ok: false, type, id, errors: checked.errors };
  return {
    ok: true,
    envelope: {
      specversion: '1.0',
      id,
      source: `/cdc/${source.name}`,
      type,
      time: new Date(change.at).toISOString(),
      datacontenttype: 'application/json',
      dataschema: dataSchemaUri(type, version),
      dataversion: version,
      partitionkey: change.keyString,
      subject: change.keyString,
      data: change.image,
    },
  };
};
