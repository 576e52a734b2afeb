import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { outputNames } from '../../infra/output-names';
import type { SpineStack } from '../../infra/spine-stack';
import { contrastCatalog } from '../fixtures/infra/catalogs';
import { buildStack, logicalId } from './synth';

const OPERATORS = [
  'arn:aws:iam::123456789012:role/spine-oncall',
  'arn:aws:iam::123456789012:role/spine-admin',
];

describe('SpineStack deploy options', () => {
  let prod: { stack: SpineStack; template: Template };
  let dev: { stack: SpineStack; template: Template };
  beforeAll(() => {
    const p = buildStack(contrastCatalog());
    const d = buildStack(contrastCatalog(), 'Dev', {
      retain: false,
      alarmEmail: 'oncall@example.com',
      operatorPrincipalArns: OPERATORS,
    });
    prod = { stack: p, template: Template.fromStack(p) };
    dev = { stack: d, template: Template.fromStack(d) };
  });

  it('sends ALARM and OK of every alarm to the alarm topic, and outputs the topic', () => {
    // Act
    const { stack, template } = prod;
    const topic = { Ref: logicalId(stack, stack.alarms.topic) };
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm'));
    // Assess
    expect(alarms.length).toBeGreaterThan(5);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([topic]);
      expect(alarm.Properties.OKActions, id).toEqual([topic]);
    }
    expect(template.findOutputs(outputNames.alarmTopic).AlarmTopic?.Value).toEqual(topic);
  });

  it('encrypts the alarm topic with a key CloudWatch may use only for this account’s alarms', () => {
    // Act
    const { stack, template } = prod;
    const key = template.findResources('AWS::KMS::Key')[logicalId(stack, stack.alarms.key)];
    const statements: { Principal?: { Service?: string }; Condition?: unknown; Action: unknown }[] =
      key?.Properties.KeyPolicy.Statement ?? [];
    const cloudwatch = statements.filter((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack, stack.alarms.key), 'Arn'] },
    });
    expect(cloudwatch).toHaveLength(1);
    expect(cloudwatch[0]?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(JSON.stringify(cloudwatch[0]?.Condition)).toContain(
      '"aws:SourceAccount":{"Ref":"AWS::AccountId"}',
    );
  });

  it('subscribes the alarm e-mail only when one is given', () => {
    expect(prod.template.findResources('AWS::SNS::Subscription')).toEqual({});
    dev.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('retains streams, tables and keys by default, and makes them destroyable with retain: false', () => {
    // Act
    const policies = (template: Template) =>
      ['AWS::Kinesis::Stream', 'AWS::DynamoDB::Table', 'AWS::KMS::Key'].flatMap((type) =>
        Object.values(template.findResources(type)).map((r) => `${type} ${r.DeletionPolicy ?? 'Delete'}`),
      );
    const protection = (template: Template) =>
      Object.values(template.findResources('AWS::DynamoDB::Table')).map(
        (r) => r.Properties.DeletionProtectionEnabled,
      );
    // Assess
    expect(policies(prod.template).every((p) => p.endsWith(' Retain'))).toBe(true);
    expect(policies(dev.template).every((p) => p.endsWith(' Delete'))).toBe(true);
    expect(policies(dev.template)).toHaveLength(policies(prod.template).length);
    expect(protection(prod.template).every((p) => p === true)).toBe(true);
    expect(protection(dev.template).every((p) => p === false)).toBe(true);
  });

  it('lets only the named principals assume the operator role, and the account root by default', () => {
    // Act
    const trust = (s: { stack: SpineStack; template: Template }) =>
      JSON.stringify(
        s.template.findResources('AWS::IAM::Role')[logicalId(s.stack, s.stack.operations.operatorRole.role)]
          ?.Properties.AssumeRolePolicyDocument,
      );
    // Assess
    expect(trust(prod)).toContain(':root');
    for (const arn of OPERATORS) expect(trust(dev)).toContain(arn);
    expect(trust(dev)).not.toContain(':root');
  });
});
