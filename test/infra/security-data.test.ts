import { RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnStream } from 'aws-cdk-lib/aws-kinesis';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpineStack } from '../../infra/spine-stack';
import type { Catalog } from '../../shared/catalog';
import { contrastCatalog, projectCatalog } from '../fixtures/infra/catalogs';
import { securityCatalog } from '../fixtures/infra/security-catalog';
import { retentionFindings, STATEFUL_TYPES, statefulFindings } from './security/data';
import { resourcesOf, type TemplateJson, templateJson } from './security/template';
import { buildStack, logicalId } from './synth';

const build = (catalog: Catalog, mutate?: (stack: SpineStack) => void) => {
  const stack = buildStack(catalog);
  mutate?.(stack);
  return { stack, t: templateJson(Template.fromStack(stack).toJSON()) };
};

/** Stream id -> retention hours, as the catalog declares them. */
const declaredRetention = (catalog: Catalog, stack: SpineStack) =>
  new Map(
    catalog.topics.map((topic) => [logicalId(stack, stack.topics.stream(topic.name)), topic.retentionHours]),
  );

describe.each([
  ['the project catalog', projectCatalog],
  ['a contrasting catalog', contrastCatalog],
  ['the security catalog', securityCatalog],
])('Data protection on the template from %s', (_name, makeCatalog: () => Catalog) => {
  let catalog: Catalog;
  let stack: SpineStack;
  let t: TemplateJson;
  beforeAll(() => {
    catalog = makeCatalog();
    ({ stack, t } = build(catalog));
  });

  it('keeps each topic’s records as long as the catalog declares', () => {
    expect(retentionFindings(t, declaredRetention(catalog, stack))).toEqual([]);
  });

  it('gives every table PITR and deletion protection, and RETAINs streams, tables and keys', () => {
    expect(statefulFindings(t)).toEqual([]);
    const stateful = STATEFUL_TYPES.flatMap((type) => resourcesOf(t, type));
    const tables = catalog.services.reduce((n, s) => n + s.tables.length, 4);
    // Keys: streams, tables, alarm topic, log groups.
    expect(stateful).toHaveLength(catalog.topics.length + tables + 4);
  });
});

describe('Data-protection checks on a weakened stack', () => {
  const catalog = securityCatalog();
  const stateTable = (s: SpineStack) => s.services.get('cart')?.tables.get('carts') ?? s;
  const cfn = <T>(c: { node: { defaultChild?: unknown } }) => c.node.defaultChild as T;

  let clean: ReturnType<typeof build>;
  beforeAll(() => {
    clean = build(catalog);
  });

  it('reports nothing before the stack is weakened', () => {
    const { stack, t } = clean;
    expect([...retentionFindings(t, declaredRetention(catalog, stack)), ...statefulFindings(t)]).toEqual([]);
  });

  it.each<[string, (s: SpineStack) => void, (s: SpineStack) => string]>([
    [
      'a stream retaining less than its topic declares',
      (s) => {
        cfn<CfnStream>(s.topics.stream('audit')).retentionPeriodHours = 24;
      },
      (s) => `stream ${logicalId(s, s.topics.stream('audit'))} retains 24 h, its topic declares 8760 h`,
    ],
    [
      'a table without point-in-time recovery',
      (s) => {
        cfn<CfnTable>(stateTable(s)).pointInTimeRecoverySpecification = { pointInTimeRecoveryEnabled: false };
      },
      (s) => `table ${logicalId(s, stateTable(s))} has no point-in-time recovery`,
    ],
    [
      'a table without deletion protection',
      (s) => {
        cfn<CfnTable>(s.runtimeTables.tables.parking).deletionProtectionEnabled = false;
      },
      (s) => `table ${logicalId(s, s.runtimeTables.tables.parking)} has no deletion protection`,
    ],
    [
      'a stream destroyed with the stack',
      (s) => s.topics.stream('ledger').applyRemovalPolicy(RemovalPolicy.DESTROY),
      (s) => `AWS::Kinesis::Stream ${logicalId(s, s.topics.stream('ledger'))} has DeletionPolicy Delete`,
    ],
    [
      'a table snapshotted instead of retained on replacement',
      (s) => cfn<CfnTable>(stateTable(s)).addOverride('UpdateReplacePolicy', 'Snapshot'),
      (s) => `AWS::DynamoDB::Table ${logicalId(s, stateTable(s))} has UpdateReplacePolicy Snapshot`,
    ],
    [
      'a key destroyed with the stack',
      (s) => s.runtimeTables.key.applyRemovalPolicy(RemovalPolicy.DESTROY),
      (s) => `AWS::KMS::Key ${logicalId(s, s.runtimeTables.key)} has DeletionPolicy Delete`,
    ],
  ])('reports %s', (_name, weaken, expected) => {
    // Prepare / Act
    const { stack, t } = build(catalog, weaken);
    // Assess
    const findings = [...retentionFindings(t, declaredRetention(catalog, stack)), ...statefulFindings(t)];
    expect(findings, findings.join('\n')).toContain(expected(stack));
  });
});
