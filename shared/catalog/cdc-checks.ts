import type { CatalogProblem } from './errors';
import type { CatalogSpec, CdcSourceSpec } from './types';

const KINDS = ['insert', 'modify', 'remove'] as const;

/** The service table a CDC source reads, or `undefined` for an external table. */
export const cdcServiceTable = (
  source: CdcSourceSpec,
): { readonly service: string; readonly table: string } | undefined =>
  'service' in source.table ? source.table : undefined;

/** Key attributes of a CDC source's table: `pk` for service tables (`STATE_TABLE_KEY`). */
export const cdcKeyAttributes = (source: CdcSourceSpec): readonly string[] =>
  'keyAttributes' in source.table ? source.table.keyAttributes : ['pk'];

/**
 * Cross-references of CDC sources: the table exists, the topic exists, each mapped type is on that
 * topic and written by this source (single writer), and its key field is one of the table's keys, so
 * the event's partition key is the item's key and one item's changes stay on one shard, in order.
 */
export const cdcProblems = (spec: CatalogSpec): CatalogProblem[] => {
  const problems: CatalogProblem[] = [];
  const sources = spec.cdcSources ?? [];
  const seenTables = new Map<string, string>();
  for (const source of sources) {
    const at = `cdcSources[${source.name}]`;
    if (!spec.topics.some((t) => t.name === source.topic))
      problems.push({ path: `${at}.topic`, message: `unknown topic "${source.topic}"` });
    const own = cdcServiceTable(source);
    if (own) {
      const service = spec.services.find((s) => s.name === own.service);
      if (!service)
        problems.push({ path: `${at}.table.service`, message: `unknown service "${own.service}"` });
      else if (!service.tables.some((t) => t.name === own.table))
        problems.push({
          path: `${at}.table.table`,
          message: `service "${own.service}" declares no table "${own.table}"; its tables: ${service.tables.map((t) => t.name).join(', ') || '(none)'}`,
        });
    }
    if ('arn' in source.table) {
      const { arn, streamArn, streamViewType } = source.table;
      if (streamViewType !== undefined && streamViewType !== 'NEW_AND_OLD_IMAGES')
        problems.push({
          path: `${at}.table.streamViewType`,
          message: `the stream's view type is ${streamViewType}; CDC needs NEW_AND_OLD_IMAGES (a remove carries the old image, an insert or modify the new one). Its owner must switch the stream off and on again with that view type, then a new snapshot runs`,
        });
      if (!streamArn.startsWith(`${arn}/stream/`))
        problems.push({
          path: `${at}.table.streamArn`,
          message: `stream "${streamArn}" is not a stream of table "${arn}" (expected "${arn}/stream/<label>")`,
        });
    }
    const tableId = own ? `${own.service}/${own.table}` : 'arn' in source.table ? source.table.arn : '';
    const other = seenTables.get(tableId);
    if (other)
      problems.push({
        path: `${at}.table`,
        message: `table "${tableId}" is already captured by "${other}"; one source per table`,
      });
    seenTables.set(tableId, source.name);
    const keys = cdcKeyAttributes(source);
    for (const kind of KINDS) {
      const type = source.types[kind];
      if (type === undefined) continue;
      const declared = spec.eventTypes.find((e) => e.type === type);
      if (!declared) {
        problems.push({ path: `${at}.types.${kind}`, message: `unknown event type "${type}"` });
        continue;
      }
      if (declared.topic !== source.topic)
        problems.push({
          path: `${at}.types.${kind}`,
          message: `event type "${type}" is on topic "${declared.topic}", not on the source's topic "${source.topic}"`,
        });
      if (declared.writer !== source.name)
        problems.push({
          path: `${at}.types.${kind}`,
          message: `event type "${type}" is written by "${declared.writer}"; captured types must name the source "${source.name}" as writer`,
        });
      if (!keys.includes(declared.keyField))
        problems.push({
          path: `${at}.types.${kind}`,
          message: `event type "${type}" is keyed by "${declared.keyField}", which is not a key attribute of the table (${keys.join(', ')})`,
        });
    }
  }
  return problems;
};
