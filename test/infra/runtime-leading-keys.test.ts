import { beforeAll, describe, expect, it } from 'vitest';
import type { SpineStack } from '../../infra/spine-stack';
import { type Catalog, subscriptions } from '../../shared/catalog';
import {
  checkpointKey,
  keyMarkerSk,
  outboxPk,
  parkedChunkPk,
  type ShardPosition,
} from '../../shared/consumer';
import { scopedShardId, sweepPk } from '../../shared/layout';
import { securityCatalog } from '../fixtures/infra/security-catalog';
import { grantsOf } from './security/grants';
import { type TemplateJson, templateJson } from './security/template';
import { logicalId, synth } from './synth';

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** The LeadingKeys patterns granted to a role on a table for `action` (item actions only). */
const grantedKeys = (t: TemplateJson, role: string, table: string, action = 'dynamodb:PutItem'): string[] =>
  grantsOf(t)
    .filter(
      (g) =>
        g.principal === role &&
        !g.notAction &&
        g.actions.includes(action) &&
        g.resources.some((r) => r.includes(`\${${table}.Arn}`)),
    )
    .flatMap((g) => {
      const block = g.condition?.['ForAllValues:StringLike'];
      const keys =
        typeof block === 'object' && block !== null
          ? Object.entries(block).find(([k]) => k === 'dynamodb:LeadingKeys')?.[1]
          : undefined;
      return Array.isArray(keys) ? keys.map(String) : [];
    });

const reaches = (patterns: readonly string[], key: string) => patterns.some((p) => glob(p).test(key));

// The grants are written in infra from the key formats; these tests take the keys from the runtime's own
// builders, so a format change on either side that would deny the consumer (or open a neighbour) fails here.
describe('Consumer LeadingKeys against the runtime’s own keys', () => {
  let catalog: Catalog;
  let stack: SpineStack;
  let t: TemplateJson;
  beforeAll(() => {
    catalog = securityCatalog();
    const built = synth(catalog);
    stack = built.stack;
    t = templateJson(built.template.toJSON());
  });

  const roleOf = (service: string, topic: string) => {
    const fn = stack.services.get(service)?.consumers.get(topic);
    if (!fn) throw new Error(`no consumer ${service}/${topic}`);
    return logicalId(stack, fn.role);
  };

  it('lets each consumer reach every key the runtime writes for its own (service, topic)', () => {
    const tables = stack.runtimeTables.tables;
    for (const { service, subscription } of subscriptions(catalog)) {
      // Prepare: live and session positions, as the runtime builds them
      const role = roleOf(service.name, subscription.topic);
      const live: ShardPosition = {
        service: service.name,
        topic: subscription.topic,
        shardId: 'shardId-000000000007',
      };
      const session: ShardPosition = {
        ...live,
        shardId: scopedShardId(live.shardId, 'replay-20261122T100000000Z-a1b2c3'),
      };
      // Act
      const checkpoints = grantedKeys(t, role, logicalId(stack, tables.checkpoints));
      const outbox = grantedKeys(t, role, logicalId(stack, tables.outbox));
      const parking = grantedKeys(t, role, logicalId(stack, tables.parking));
      // Assess
      const label = `${service.name}<-${subscription.topic}`;
      for (const p of [live, session]) {
        expect(reaches(checkpoints, checkpointKey(p).pk), label).toBe(true);
        expect(reaches(checkpoints, checkpointKey(p, keyMarkerSk(p.shardId, 'k-1')).pk), label).toBe(true);
        expect(reaches(outbox, outboxPk(p)), label).toBe(true);
      }
      expect(reaches(parking, service.name), label).toBe(true);
      expect(reaches(parking, parkedChunkPk(service.name)), label).toBe(true);
      expect(reaches(parking, sweepPk(service.name)), label).toBe(true);
    }
  });

  it('keeps each consumer off the keys of every other subscription and of the operator', () => {
    const tables = stack.runtimeTables.tables;
    const all = subscriptions(catalog);
    for (const mine of all)
      for (const other of all.filter((o) => o !== mine)) {
        // Prepare
        const role = roleOf(mine.service.name, mine.subscription.topic);
        const theirs: ShardPosition = {
          service: other.service.name,
          topic: other.subscription.topic,
          shardId: 'shardId-000000000000',
        };
        // Act
        const checkpoints = grantedKeys(t, role, logicalId(stack, tables.checkpoints));
        const outbox = grantedKeys(t, role, logicalId(stack, tables.outbox));
        const parking = grantedKeys(t, role, logicalId(stack, tables.parking));
        // Assess
        const label = `${mine.service.name}<-${mine.subscription.topic} vs ${other.service.name}<-${other.subscription.topic}`;
        expect(reaches(checkpoints, checkpointKey(theirs).pk), label).toBe(false);
        expect(reaches(outbox, outboxPk(theirs)), label).toBe(false);
        if (other.service.name !== mine.service.name) {
          expect(reaches(parking, other.service.name), label).toBe(false);
          expect(reaches(parking, parkedChunkPk(other.service.name)), label).toBe(false);
          expect(reaches(parking, sweepPk(other.service.name)), label).toBe(false);
        }
        expect(reaches(checkpoints, `ops#${mine.service.name}#${mine.subscription.topic}`), label).toBe(
          false,
        );
        expect(reaches(parking, `audit#${mine.service.name}`), label).toBe(false);
      }
  });

  it('lets each consumer read, never write, the checkpoints of every topic of its own service, and no other service', () => {
    // A state item written from two topics of a service carries both topics' fences: a write or a sweep
    // over it reads the other topic's checkpoint (review 2026-11-27, finding 3).
    const tables = stack.runtimeTables.tables;
    const all = subscriptions(catalog);
    const sameService = all.filter((a) => all.some((b) => b !== a && b.service.name === a.service.name));
    expect(sameService.length).toBeGreaterThan(0);
    for (const mine of all)
      for (const other of all.filter((o) => o !== mine)) {
        // Prepare
        const role = roleOf(mine.service.name, mine.subscription.topic);
        const theirs: ShardPosition = {
          service: other.service.name,
          topic: other.subscription.topic,
          shardId: 'shardId-000000000000',
        };
        const table = logicalId(stack, tables.checkpoints);
        // Act
        const keysOf = (action: string) => grantedKeys(t, role, table, action);
        // Assess
        const label = `${mine.service.name}<-${mine.subscription.topic} vs ${other.service.name}<-${other.subscription.topic}`;
        const own = other.service.name === mine.service.name;
        for (const action of ['dynamodb:GetItem', 'dynamodb:BatchGetItem'])
          expect(reaches(keysOf(action), checkpointKey(theirs).pk), `${label} ${action}`).toBe(own);
        for (const action of [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
        ])
          expect(reaches(keysOf(action), checkpointKey(theirs).pk), `${label} ${action}`).toBe(false);
      }
  });
});
