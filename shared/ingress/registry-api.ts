import { type Catalog, latestVersion } from '../catalog';
import { dataSchemaUri } from '../envelope';
import { DEFAULT_COMPATIBILITY } from '../evolution';
import type { SchemaRegistry } from '../schemas';
import { IngressError } from './errors';
import { type HttpResult, json } from './http';

/**
 * `GET /topics`: topics with their event types, versions, compatibility modes (what `spine schema
 * check` holds each new version to), key fields and writers.
 */
export const listTopics = (catalog: Catalog): HttpResult =>
  json(200, {
    topics: catalog.topics.map((topic) => ({
      name: topic.name,
      ...(topic.description === undefined ? {} : { description: topic.description }),
      idempotencyWindowHours: topic.idempotencyWindowHours ?? 24,
      eventTypes: catalog.eventTypes
        .filter((e) => e.topic === topic.name)
        .map((e) => ({
          type: e.type,
          writer: e.writer,
          keyField: e.keyField,
          versions: Object.keys(e.versions)
            .map(Number)
            .sort((a, b) => a - b),
          latestVersion: latestVersion(e),
          compatibility: e.compatibility ?? DEFAULT_COMPATIBILITY,
        })),
    })),
  });

/**
 * `GET /schemas/{type}` (latest version) and `GET /schemas/{type}/{version}`: the JSON Schema itself,
 * as `application/schema+json` with `$id` set to the URN events carry in `dataschema`, so any JSON
 * Schema tool can use the body as is.
 */
export const getSchema = (
  registry: SchemaRegistry,
  type: string | undefined,
  rawVersion?: string,
): HttpResult => {
  const latest = type === undefined ? undefined : registry.latestVersion(type);
  if (type === undefined || latest === undefined)
    throw new IngressError('NOT_FOUND', `Unknown event type ${type ?? '(none)'}; GET /topics lists them.`);
  if (rawVersion !== undefined && !/^[1-9][0-9]{0,8}$/.test(rawVersion))
    throw new IngressError(
      'MALFORMED_REQUEST',
      `Schema version must be a positive integer, got "${rawVersion}".`,
    );
  const version = rawVersion === undefined ? latest : Number(rawVersion);
  const schema = registry.schema(type, version);
  if (!schema)
    throw new IngressError('NOT_FOUND', `${type} has no version ${version}; the latest is ${latest}.`);
  return json(
    200,
    { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: dataSchemaUri(type, version), ...schema },
    { 'spine-schema-version': String(version) },
    'application/schema+json',
  );
};
