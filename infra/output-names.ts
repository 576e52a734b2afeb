import type { Catalog } from '../shared/catalog';
import { RUNTIME_TABLES, type RuntimeTable } from '../shared/config';
import { pascal } from './constructs/output-id';

/**
 * Output names of the stack, derived from catalog names so tools and people can find a resource by its
 * catalog name. No exports: nothing else should couple to this stack through CloudFormation imports.
 */
export const outputNames = {
  ingressUrl: 'IngressUrl',
  /** SNS topic that every alarm notifies; subscribe paging here. */
  alarmTopic: 'AlarmTopic',
  stream: (topic: string): string => `Stream${pascal(topic)}`,
  runtimeTable: (table: RuntimeTable): string => `Table${pascal(table)}`,
  stateTable: (service: string, table: string): string => `StateTable${pascal(service)}${pascal(table)}`,
  producerRole: (producer: string): string => `ProducerRole${pascal(producer)}`,
} as const;

/** Every output name the catalog yields, with the catalog path that yields it, in stack order. */
export const catalogOutputNames = (catalog: Catalog): { path: string; name: string }[] => [
  { path: 'ingress', name: outputNames.ingressUrl },
  ...catalog.topics.map((t) => ({ path: `topics[${t.name}]`, name: outputNames.stream(t.name) })),
  ...(Object.keys(RUNTIME_TABLES) as RuntimeTable[]).map((t) => ({
    path: `runtime tables[${t}]`,
    name: outputNames.runtimeTable(t),
  })),
  ...catalog.services.flatMap((s) =>
    s.tables.map((t) => ({
      path: `services[${s.name}].tables[${t.name}]`,
      name: outputNames.stateTable(s.name, t.name),
    })),
  ),
  ...catalog.producers.map((p) => ({ path: `producers[${p.name}]`, name: outputNames.producerRole(p.name) })),
];
