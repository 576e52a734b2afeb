import type { SpineStack } from '../../../infra/spine-stack';
import type { Catalog } from '../../../shared/catalog';
import { logicalId } from '../synth';
import type { LeadingKeyModel, TableKeys } from './leading-keys';
import { type AllowedAccess, READ_BACK } from './policies';

/** Who may do what, derived from the catalog alone, in the template's logical ids. */
export interface AccessModel {
  /** Every Spine principal with what it may do; labels are for messages. */
  readonly principals: ReadonlyMap<string, { readonly label: string; readonly allowed: AllowedAccess }>;
  /** Stream -> the principals that own its topic (writers of its event types). */
  readonly streamOwners: ReadonlyMap<string, ReadonlySet<string>>;
  /** State table -> the consumer roles of the service that owns it. */
  readonly stateTableOwners: ReadonlyMap<string, ReadonlySet<string>>;
  /** Consumer role -> shared runtime table -> the partition key patterns it may reach there. */
  readonly leadingKeys: LeadingKeyModel;
}

const addTo = <K, V>(map: Map<K, Set<V>>, key: K, value: V) =>
  map.set(key, (map.get(key) ?? new Set()).add(value));

/**
 * The least-privilege model of issue 8: a consumer reads the one topic it subscribes to, reads back and
 * writes the topics its service's event types live on, and touches its service's state tables plus
 * checkpoints, parking and outbox; the ingress writes (and reads back) the topics producers write, probes
 * the first topic's metadata, and touches the idempotency table; a query function reads its service's
 * tables; producer roles touch no data at all.
 */
export const accessModel = (catalog: Catalog, stack: SpineStack): AccessModel => {
  const id = (c: Parameters<typeof logicalId>[1]) => logicalId(stack, c);
  const stream = (topic: string) => id(stack.topics.stream(topic));
  const runtime = stack.runtimeTables.tables;
  const principals = new Map<string, { label: string; allowed: AllowedAccess }>();
  const streamOwners = new Map<string, Set<string>>();
  const stateTableOwners = new Map<string, Set<string>>();
  const leadingKeys = new Map<string, Map<string, TableKeys>>();
  const producers = new Set(catalog.producers.map((p) => p.name));
  const writtenBy = (writer: (w: string) => boolean) =>
    new Set(catalog.eventTypes.filter((e) => writer(e.writer)).map((e) => stream(e.topic)));

  for (const service of catalog.services) {
    const construct = stack.services.get(service.name);
    const own = [...(construct?.tables.values() ?? [])].map(id);
    const written = writtenBy((w) => w === service.name);
    for (const [topic, fn] of construct?.consumers ?? []) {
      const role = id(fn.role);
      const streamReads = new Map<string, 'any' | ReadonlySet<string>>(
        [...written].map((s) => [s, READ_BACK]),
      );
      streamReads.set(stream(topic), 'any');
      const tables = new Set([...own, id(runtime.checkpoints), id(runtime.parking), id(runtime.outbox)]);
      principals.set(role, {
        label: `consumer ${service.name}/${topic}`,
        allowed: { streamReads, streamWrites: written, tableReads: tables, tableWrites: tables },
      });
      // The runtime's key formats (shared/consumer: checkpointKey, outboxPk, the parking item, the
      // tombstone sweep's entries), written out again here rather than imported from infra, so the test
      // does not check infra against itself. Reads only: the checkpoints of every topic of the service,
      // which a single-item write reads to tell whether another unit's fence on an item has settled.
      const key = (t: string) => `${service.name}#${topic}${t}`;
      leadingKeys.set(
        role,
        new Map<string, TableKeys>([
          [
            id(runtime.checkpoints),
            { any: new Set([key(''), key('#*')]), read: new Set([`${service.name}#*`]) },
          ],
          [id(runtime.outbox), { any: new Set([key('#*')]) }],
          [
            id(runtime.parking),
            { any: new Set([service.name, `chunks#${service.name}`, `sweep#${service.name}`]) },
          ],
        ]),
      );
      for (const s of written) addTo(streamOwners, s, role);
      for (const table of own) addTo(stateTableOwners, table, role);
    }
  }

  const ingress = id(stack.ingress.handler.role);
  const producerWritten = writtenBy((w) => producers.has(w));
  // A log search reads the stream's retention (DescribeStreamSummary) before calling an event absent.
  const ingressReads = new Map<string, ReadonlySet<string>>(
    [...producerWritten].map((s) => [s, new Set([...READ_BACK, 'kinesis:DescribeStreamSummary'])]),
  );
  const [probe] = catalog.topics;
  if (probe)
    ingressReads.set(
      stream(probe.name),
      new Set([...(ingressReads.get(stream(probe.name)) ?? []), 'kinesis:DescribeStreamSummary']),
    );
  principals.set(ingress, {
    label: 'ingress',
    allowed: {
      streamReads: ingressReads,
      streamWrites: producerWritten,
      tableReads: new Set([id(runtime.idempotency)]),
      tableWrites: new Set([id(runtime.idempotency)]),
    },
  });
  for (const s of producerWritten) addTo(streamOwners, s, ingress);
  // A CDC source's function writes its topic's stream: its captured types name it as their writer.
  for (const source of catalog.cdcSources ?? []) {
    const cdc = stack.cdcSources.get(source.name);
    if (cdc) addTo(streamOwners, id(stack.topics.stream(source.topic)), id(cdc.function.role));
  }

  const none: AllowedAccess = {
    streamReads: new Map(),
    streamWrites: new Set(),
    tableReads: new Set(),
    tableWrites: new Set(),
  };
  for (const [service, fn] of stack.queries.functions)
    principals.set(id(fn.role), {
      label: `queries ${service}`,
      allowed: {
        ...none,
        tableReads: new Set([...(stack.services.get(service)?.tables.values() ?? [])].map(id)),
      },
    });
  for (const [producer, role] of stack.ingress.producerRoles.roles)
    principals.set(id(role), { label: `producer ${producer}`, allowed: none });
  return { principals, streamOwners, stateTableOwners, leadingKeys };
};
