import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpineStack } from '../../infra/spine-stack';
import type { Catalog } from '../../shared/catalog';
import { RUNTIME_TABLES, type RuntimeTable, STATE_TABLE_KEY, type TableKeySchema } from '../../shared/config';
import { contrastCatalog, projectCatalog } from '../fixtures/infra/catalogs';
import { logicalId, synth } from './synth';

const keySchema = (schema: TableKeySchema) => [
  { AttributeName: schema.partitionKey, KeyType: 'HASH' },
  ...(schema.sortKey ? [{ AttributeName: schema.sortKey, KeyType: 'RANGE' }] : []),
];

describe.each([
  ['the project catalog', projectCatalog],
  ['a contrasting catalog', contrastCatalog],
])('Topics and tables from %s', (_name, makeCatalog: () => Catalog) => {
  let catalog: Catalog;
  let stack: SpineStack;
  let template: Template;
  beforeAll(() => {
    catalog = makeCatalog();
    ({ stack, template } = synth(catalog));
  });

  it('creates one stream per topic with its capacity mode, shards and retention', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', catalog.topics.length);
    for (const topic of catalog.topics) {
      const resource =
        template.findResources('AWS::Kinesis::Stream')[logicalId(stack, stack.topics.stream(topic.name))];
      expect(resource?.Properties).toMatchObject({
        RetentionPeriodHours: topic.retentionHours,
        StreamModeDetails: { StreamMode: topic.shards === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED' },
      });
      expect(resource?.Properties.ShardCount).toBe(topic.shards === 'on-demand' ? undefined : topic.shards);
      expect(resource?.DeletionPolicy).toBe('Retain');
    }
  });

  it('encrypts every stream with the rotated customer-managed topic key', () => {
    const keyId = logicalId(stack, stack.topics.key);
    template.allResourcesProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
    });
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toContain(keyId);
  });

  it('creates the runtime tables with their key schema, and TTL only where the schema has one', () => {
    for (const name of Object.keys(RUNTIME_TABLES) as RuntimeTable[]) {
      const schema: TableKeySchema = RUNTIME_TABLES[name];
      const resource =
        template.findResources('AWS::DynamoDB::Table')[logicalId(stack, stack.runtimeTables.tables[name])];
      expect(resource?.Properties.KeySchema).toEqual(keySchema(schema));
      expect(resource?.Properties.TimeToLiveSpecification).toEqual(
        schema.ttlAttribute ? { AttributeName: schema.ttlAttribute, Enabled: true } : undefined,
      );
    }
  });

  it('creates one state table per (service, table) with the state key and the catalog TTL', () => {
    const count = catalog.services.reduce((n, s) => n + s.tables.length, 0);
    template.resourceCountIs('AWS::DynamoDB::Table', Object.keys(RUNTIME_TABLES).length + count);
    for (const service of catalog.services) {
      for (const table of service.tables) {
        const construct = stack.services.get(service.name)?.tables.get(table.name);
        const resource =
          construct && template.findResources('AWS::DynamoDB::Table')[logicalId(stack, construct)];
        expect(resource?.Properties.KeySchema).toEqual(keySchema(STATE_TABLE_KEY));
        expect(resource?.Properties.TimeToLiveSpecification).toEqual(
          table.ttlAttribute ? { AttributeName: table.ttlAttribute, Enabled: true } : undefined,
        );
      }
    }
  });

  it('gives every table on-demand billing, PITR, the table key, deletion protection and RETAIN', () => {
    const keyArn = { 'Fn::GetAtt': [logicalId(stack, stack.runtimeTables.key), 'Arn'] };
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
        DeletionProtectionEnabled: true,
      });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
  });
});
