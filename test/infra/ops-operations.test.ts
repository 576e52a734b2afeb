import { Match } from 'aws-cdk-lib/assertions';
import { PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { opsOutputNames } from '../../infra/constructs/ops-output-names';
import { contrastCatalog } from '../fixtures/infra/catalogs';
import { actionsOf, logicalId, roleStatements, type Statement, synth } from './synth';

// The contrasting catalog has a service with two subscriptions and a topic nobody but a service writes.
const { stack, template } = synth(contrastCatalog());
const subscriptions = [...stack.services].flatMap(([service, s]) =>
  [...s.consumers.keys()].map((topic) => ({ service, topic })),
);
const operatorId = logicalId(stack, stack.operations.operatorRole.role);
const operatorStatements = roleStatements(template, operatorId);
const resourcesOf = (s: Statement): string[] =>
  (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r));

describe('Operations dashboard and alarms', () => {
  it('creates one dashboard with a lag graph, failures graph and lag alarm widget per subscription, and the ingress errors', () => {
    // Act
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    // Assess
    expect(Object.keys(dashboards)).toHaveLength(1);
    for (const { service, topic } of subscriptions) {
      expect(body).toContain(`${service}<-${topic} iterator age (ms)`);
      expect(body).toContain(`${service}<-${topic} lag alarm`);
    }
    expect(body).toContain('ingress 4xx / 5xx');
    expect(subscriptions.length).toBeGreaterThanOrEqual(3);
  });

  it('alarms on parked events, handler failures and crashes per subscription, and on ingress 5xx and 4xx', () => {
    // Act
    const alarms = stack.operations.dashboard.alarms;
    // Assess
    for (const { service, topic } of subscriptions) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Spine',
        MetricName: 'ParkedEvents',
        Dimensions: Match.arrayWith([
          { Name: 'Service', Value: service },
          { Name: 'Topic', Value: topic },
        ]),
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect([...alarms.keys()]).toEqual(
        expect.arrayContaining([
          `parked:${service}:${topic}`,
          `failures:${service}:${topic}`,
          `errors:${service}:${topic}`,
        ]),
      );
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '4xx',
      Threshold: 50,
    });
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { Namespace: 'AWS/Lambda', MetricName: 'Errors' },
      subscriptions.length,
    );
  });

  it('counts parked events and handler failures from each consumer log group by the runtime messages', () => {
    // Assess
    template.resourcePropertiesCountIs(
      'AWS::Logs::MetricFilter',
      {
        FilterPattern: '{ $.message = "event parked" }',
        MetricTransformations: [
          Match.objectLike({
            MetricName: 'ParkedEvents',
            MetricNamespace: 'Spine',
            Dimensions: Match.anyValue(),
          }),
        ],
      },
      subscriptions.length,
    );
    template.resourcePropertiesCountIs(
      'AWS::Logs::MetricFilter',
      { FilterPattern: '{ $.message = "handler failed; retrying from this event" }' },
      subscriptions.length,
    );
  });

  it('outputs the consumer function and event source mapping of every subscription under the names the CLI reads', () => {
    // Act
    const outputs = Object.keys(template.findOutputs('*'));
    // Assess
    for (const { service, topic } of subscriptions) {
      expect(outputs).toContain(opsOutputNames.consumer(service, topic));
      expect(outputs).toContain(opsOutputNames.mapping(service, topic));
    }
    expect(outputs).toEqual(expect.arrayContaining([opsOutputNames.operatorRole, opsOutputNames.dashboard]));
  });
});

describe('Operations operator role (least privilege)', () => {
  it('has no wildcard action or resource', () => {
    // Assess
    expect(operatorStatements.length).toBeGreaterThan(5);
    for (const s of operatorStatements) {
      expect(actionsOf(s).filter((a) => a.includes('*'))).toEqual([]);
      expect(resourcesOf(s).filter((r) => r === '"*"' || r.includes(':*'))).toEqual([]);
    }
  });

  it('grants exactly the actions the CLI calls, with puts confined to ops# and audit# keys', () => {
    // Act
    const actions = new Set(operatorStatements.flatMap(actionsOf));
    const puts = operatorStatements.filter((s) => actionsOf(s).includes('dynamodb:PutItem')) as (Statement & {
      Condition?: unknown;
    })[];
    // Assess
    expect([...actions].sort()).toEqual(
      [
        'cloudformation:DescribeStacks',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'lambda:GetEventSourceMapping',
        'lambda:InvokeFunction',
        'lambda:UpdateEventSourceMapping',
      ].sort(),
    );
    expect(puts.map((s) => JSON.stringify(s.Condition)).sort()).toEqual([
      JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['audit#*'] } }),
      JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ops#*'] } }),
    ]);
    expect(actions.has('dynamodb:BatchWriteItem')).toBe(false);
    expect(actions.has('kinesis:PutRecords')).toBe(false);
  });

  it('touches checkpoint and parking items only under the subscriptions’ partitions and its own prefixes', () => {
    // Act
    const table = (t: 'checkpoints' | 'parking') =>
      JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.runtimeTables.tables[t]), 'Arn'] });
    const on = (t: 'checkpoints' | 'parking') =>
      (operatorStatements as (Statement & { Condition?: Record<string, Record<string, string[]>> })[]).filter(
        (s) => resourcesOf(s).includes(table(t)),
      );
    const keysOf = (s: { Condition?: Record<string, Record<string, string[]>> }) =>
      s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
    // Assess: every statement on those tables is narrowed, and to exactly these keys
    for (const s of [...on('checkpoints'), ...on('parking')])
      expect(keysOf(s), JSON.stringify(s)).toBeDefined();
    const deletes = (t: 'checkpoints' | 'parking') =>
      on(t)
        .filter((s) => actionsOf(s).includes('dynamodb:DeleteItem'))
        .flatMap((s) => keysOf(s) ?? []);
    expect(deletes('checkpoints').sort()).toEqual(
      [...subscriptions.map((s) => `${s.service}#${s.topic}`), 'ops#*'].sort(),
    );
    const services = [...new Set(subscriptions.map((s) => s.service))];
    expect(deletes('parking').sort()).toEqual(
      [...services, ...services.map((s) => `chunks#${s}`), 'audit#*'].sort(),
    );
  });

  it('may invoke only the consumer functions and toggle only their event source mappings', () => {
    // Act
    const invoke = operatorStatements.find((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    const toggle = operatorStatements.find((s) => actionsOf(s).includes('lambda:UpdateEventSourceMapping'));
    const consumerIds = [...stack.services.values()].flatMap((s) =>
      [...s.consumers.values()].map((c) => logicalId(stack, c.function)),
    );
    // Assess
    expect(resourcesOf(invoke ?? { Action: [], Resource: [] }).sort()).toEqual(
      consumerIds.map((id) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })).sort(),
    );
    expect(resourcesOf(toggle ?? { Action: [], Resource: [] })).toHaveLength(subscriptions.length);
    expect(
      resourcesOf(toggle ?? { Action: [], Resource: [] }).every((r) => r.includes('event-source-mapping')),
    ).toBe(true);
  });

  it('stays clean under cdk-nag, and the check fails once the role gets a wildcard', () => {
    // Act
    const clean = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.filter((v) => v.violatingResources.some((r) => r.constructPath?.includes('Operations')));
    const widened = synth(contrastCatalog()).stack;
    widened.operations.operatorRole.role.addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }),
    );
    const dirty = new AwsSolutionsChecks()
      .validateScope(widened)
      .violations.filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5'));
    // Assess
    expect(clean.map((v) => v.ruleName)).toEqual([]);
    expect(dirty.some((v) => v.violatingResources.some((r) => r.constructPath?.includes('Operations')))).toBe(
      true,
    );
    expect(widened.operations.operatorRole.role).toBeInstanceOf(Role);
  });
});
