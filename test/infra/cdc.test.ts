import { Template } from 'aws-cdk-lib/assertions';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../example/catalog';
import type { SpineStack } from '../../infra/spine-stack';
import { defineCatalog } from '../../shared/catalog';
import { actionsOf, buildStack, logicalId, roleStatements, type Statement } from './synth';

const STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];
const TOPIC_WRITE = ['kinesis:PutRecord', 'kinesis:PutRecords'];
/** What the CDC code never calls on the captured table: it only scans it. */
const ITEM_READ = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];

const cdcOf = (stack: SpineStack) => {
  const cdc = stack.cdcSources.get('charges-cdc');
  const table = stack.services.get('payments')?.tables.get('provider-charges');
  if (!cdc || !table) throw new Error('example CDC source or its table is missing');
  return { cdc, table };
};

/**
 * Least-privilege findings for the CDC role: stream reads other than the captured table's stream,
 * topic writes other than the source's topic, Scan other than on the captured table, and item reads
 * or writes on the captured table (the code only scans it).
 */
const cdcGrantFindings = (stack: SpineStack, template: Template): string[] => {
  const { cdc, table } = cdcOf(stack);
  const tableId = logicalId(stack, table);
  const stream = logicalId(stack, stack.topics.stream('charges'));
  const ownStream = JSON.stringify({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
  const ownTopic = JSON.stringify({ 'Fn::GetAtt': [stream, 'Arn'] });
  const ownTable = JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] });
  const findings: string[] = [];
  const resources = (s: Statement) =>
    (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r));
  for (const s of roleStatements(template, logicalId(stack, cdc.function.role))) {
    const actions = actionsOf(s);
    for (const r of resources(s)) {
      if (
        actions.some((a) => STREAM_READ.includes(a) || a === 'dynamodb:*') &&
        r !== ownStream &&
        r !== ownTable
      )
        findings.push(`stream read on ${r}`);
      if (actions.some((a) => TOPIC_WRITE.includes(a) || a === 'kinesis:*') && r !== ownTopic)
        findings.push(`topic write on ${r}`);
      if (actions.includes('dynamodb:Scan') && r !== ownTable) findings.push(`scan on ${r}`);
      if (r === ownTable && actions.some((a) => ITEM_READ.includes(a) || a === 'dynamodb:*'))
        findings.push(`item read on the captured table: ${actions.join(', ')}`);
      if (r === ownTable && actions.some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)))
        findings.push(`write on the captured table: ${actions.join(', ')}`);
    }
  }
  return findings;
};

describe('CdcSource for the example (payments/provider-charges into charges)', () => {
  let stack: SpineStack;
  let template: Template;
  beforeAll(() => {
    stack = buildStack(catalog);
    template = Template.fromStack(stack);
  });

  it('switches on the captured table stream with old and new images', () => {
    const { table } = cdcOf(stack);
    expect(template.toJSON().Resources[logicalId(stack, table)].Properties.StreamSpecification).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
  });

  it('maps the stream with the runtime-owned give-ups of consumers, from TRIM_HORIZON, whole batches only', () => {
    const { cdc, table } = cdcOf(stack);
    const mapping = template.toJSON().Resources[logicalId(stack, cdc.mapping)].Properties;
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: false,
      ParallelizationFactor: 1,
    });
    // The batch claim needs a retry to be the same batch: no item-failure tails.
    expect(mapping.FunctionResponseTypes ?? []).toEqual([]);
  });

  it('runs the snapshot on a schedule until it is done', () => {
    const { cdc } = cdcOf(stack);
    const rule = template.toJSON().Resources[logicalId(stack, cdc.schedule)].Properties;
    expect(rule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.Targets[0].Input).toBe(JSON.stringify({ spineCdc: 'snapshot' }));
  });

  it('grants only its stream, its table and its topic', () => {
    const { cdc } = cdcOf(stack);
    const statements = roleStatements(template, logicalId(stack, cdc.function.role));
    expect(statements.some((s) => actionsOf(s).includes('dynamodb:GetRecords'))).toBe(true);
    expect(statements.some((s) => actionsOf(s).includes('kinesis:PutRecords'))).toBe(true);
    expect(cdcGrantFindings(stack, template)).toEqual([]);
  });

  it.each<[string, (s: SpineStack) => PolicyStatement, string]>([
    [
      'reads the stream of another table',
      (s) =>
        new PolicyStatement({
          actions: ['dynamodb:GetRecords'],
          resources: [`${s.services.get('orders')?.tables.get('orders')?.tableArn}/stream/*`],
        }),
      'stream read on',
    ],
    [
      'writes a topic it does not capture into',
      (s) =>
        new PolicyStatement({
          actions: ['kinesis:PutRecords'],
          resources: [s.topics.stream('orders').streamArn],
        }),
      'topic write on',
    ],
    [
      'reads items of the captured table',
      (s) =>
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [s.services.get('payments')?.tables.get('provider-charges')?.tableArn ?? ''],
        }),
      'item read on the captured table',
    ],
    [
      'scans every table',
      () => new PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }),
      'scan on "*"',
    ],
  ])('names a widened grant: the CDC role %s', (_, statement, finding) => {
    // Prepare
    const widened = buildStack(catalog, 'Widened');
    const { cdc } = cdcOf(widened);
    new Policy(widened, 'Widened', { roles: [cdc.function.role], statements: [statement(widened)] });
    // Act
    const findings = cdcGrantFindings(widened, Template.fromStack(widened));
    // Assess
    expect(findings.join('\n')).toContain(finding);
  });
});

describe('CdcSource for an external table named by ARN', () => {
  const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/legacy-items';
  const STREAM_ARN = `${TABLE_ARN}/stream/2026-01-01T00:00:00.000`;
  const schema = {
    type: 'object',
    required: ['sku', 'version'],
    properties: { sku: { type: 'string' }, version: { type: 'integer' } },
  };
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const externalSpec = (table: Record<string, unknown>) => ({
    topics: [{ name: 'items', shards: 1, retentionHours: 24 }],
    producers: [{ name: 'shop' }],
    eventTypes: [
      { type: 'ItemChanged', topic: 'items', writer: 'items-cdc', keyField: 'sku', versions: { 1: schema } },
    ],
    services: [],
    cdcSources: [
      {
        name: 'items-cdc',
        table: { arn: TABLE_ARN, streamArn: STREAM_ARN, keyAttributes: ['sku'], ...table },
        topic: 'items',
        types: { insert: 'ItemChanged', modify: 'ItemChanged' },
        versionAttribute: 'version',
      },
    ],
  });
  let stack: SpineStack;
  let template: Template;
  beforeAll(() => {
    const external = defineCatalog({
      topics: [{ name: 'items', shards: 1, retentionHours: 24 }],
      producers: [{ name: 'shop' }],
      eventTypes: [
        {
          type: 'ItemChanged',
          topic: 'items',
          writer: 'items-cdc',
          keyField: 'sku',
          versions: { 1: schema },
        },
      ],
      services: [],
      cdcSources: [
        {
          name: 'items-cdc',
          table: { arn: TABLE_ARN, streamArn: STREAM_ARN, keyAttributes: ['sku'] },
          topic: 'items',
          types: { insert: 'ItemChanged', modify: 'ItemChanged' },
          versionAttribute: 'version',
        },
      ],
    });
    stack = buildStack(external, 'External');
    template = Template.fromStack(stack);
  });

  it('maps the given stream, creates no table, and reads only that stream and scans only that table', () => {
    // Act
    const cdc = stack.cdcSources.get('items-cdc');
    if (!cdc) throw new Error('the external CDC source is missing');
    const mapping = template.toJSON().Resources[logicalId(stack, cdc.mapping)].Properties;
    const statements = roleStatements(template, logicalId(stack, cdc.function.role));
    const on = (action: string) =>
      statements
        .filter((s) => actionsOf(s).includes(action))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
        .map((r) => JSON.stringify(r));

    // Assess
    expect(mapping.EventSourceArn).toBe(STREAM_ARN);
    expect(
      Object.values(template.findResources('AWS::DynamoDB::Table')).filter((t) =>
        JSON.stringify(t).includes('legacy-items'),
      ),
    ).toEqual([]);
    expect(new Set(on('dynamodb:GetRecords'))).toEqual(new Set([JSON.stringify(STREAM_ARN)]));
    expect(on('dynamodb:Scan').every((r) => r.includes('legacy-items') && !r.includes('*'))).toBe(true);
    expect(on('dynamodb:Scan').length).toBeGreaterThan(0);
    expect(on('dynamodb:GetItem').filter((r) => r.includes('legacy-items'))).toEqual([]);
    expect(on('dynamodb:Query').filter((r) => r.includes('legacy-items'))).toEqual([]);
  });

  it.each(['KEYS_ONLY', 'OLD_IMAGE', 'NEW_IMAGE'] as const)(
    'refuses a stream whose view type is %s, naming the view type it needs',
    (streamViewType) => {
      // Act
      const define = () => defineCatalog(externalSpec({ streamViewType }));
      // Assess
      expect(define).toThrow(
        new RegExp(
          `cdcSources\\[items-cdc\\]\\.table\\.streamViewType.*${streamViewType}.*NEW_AND_OLD_IMAGES`,
        ),
      );
    },
  );

  it('refuses a stream ARN that is not a stream of the table', () => {
    // Act
    const define = () =>
      defineCatalog(
        externalSpec({ streamArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/other/stream/x' }),
      );
    // Assess
    expect(define).toThrow(/table\.streamArn.*is not a stream of table/);
  });

  it('grants Decrypt with the table key it is given, and no key grant without one', () => {
    // Prepare
    const keyed = buildStack(
      defineCatalog(externalSpec({ streamViewType: 'NEW_AND_OLD_IMAGES', kmsKeyArn: KEY_ARN })),
      'ExternalKeyed',
    );
    const roleOf = (s: SpineStack) => {
      const cdc = s.cdcSources.get('items-cdc');
      if (!cdc) throw new Error('the external CDC source is missing');
      return roleStatements(Template.fromStack(s), logicalId(s, cdc.function.role));
    };
    const keyActions = (statements: Statement[]) =>
      statements
        .filter((st) => JSON.stringify(st.Resource).includes(KEY_ARN))
        .flatMap((st) => actionsOf(st))
        .sort();
    // Act / Assess
    expect(keyActions(roleOf(keyed))).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(keyActions(roleOf(stack))).toEqual([]);
  });
});
