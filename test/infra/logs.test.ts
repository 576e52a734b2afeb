import { Template } from 'aws-cdk-lib/assertions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GUARD } from '../../infra/constructs/guard';
import type { SpineStack } from '../../infra/spine-stack';
import { contrastCatalog } from '../fixtures/infra/catalogs';
import { buildStack, logicalId } from './synth';

interface KeyStatement {
  readonly Effect: string;
  readonly Principal?: { readonly Service?: unknown };
  readonly Action: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

describe('SpineLogs', () => {
  let stack: SpineStack;
  let template: Template;
  let shortStack: SpineStack;
  let short: Template;
  beforeAll(() => {
    stack = buildStack(contrastCatalog());
    template = Template.fromStack(stack);
    shortStack = buildStack(contrastCatalog(), 'Short', { logRetention: RetentionDays.TWO_WEEKS });
    short = Template.fromStack(shortStack);
  });

  const groups = (t: Template) => Object.values(t.findResources('AWS::Logs::LogGroup'));

  it('encrypts every log group, the access log included, with the stack’s log key', () => {
    // Act
    const all = groups(template);
    // Assess: one group per function plus the access log, all with the same key
    expect(all).toHaveLength(Object.keys(template.findResources('AWS::Lambda::Function')).length + 1);
    for (const group of all)
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.logs.key), 'Arn'] });
  });

  it('lets only the logs service of this region use the key, and only for log groups of this account', () => {
    // Act
    const key = template.findResources('AWS::KMS::Key')[logicalId(stack, stack.logs.key)];
    const statements: KeyStatement[] = key?.Properties.KeyPolicy.Statement ?? [];
    const logs = statements.filter((s) => JSON.stringify(s.Principal?.Service ?? '').includes('logs.'));
    // Assess
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(logs).toHaveLength(1);
    expect(stack.resolve(logs[0]?.Principal?.Service)).toEqual({
      'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
    });
    expect(logs[0]?.Effect).toBe('Allow');
    expect(logs[0]?.Action).toContain('kms:GenerateDataKey');
    expect(logs[0]?.Action).toContain('kms:Decrypt');
    expect(JSON.stringify(logs[0]?.Action)).not.toContain('*');
    expect(logs[0]?.Condition?.ArnLike?.['kms:EncryptionContext:aws:logs:arn']).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':logs:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':log-group:*',
        ],
      ],
    });
  });

  it('keeps logs for a year by default and for the retention a stage asks for', () => {
    // Act
    const retention = (t: Template) => new Set(groups(t).map((g) => g.Properties.RetentionInDays));
    // Assess
    expect(retention(template)).toEqual(new Set([365]));
    expect(retention(short)).toEqual(new Set([14]));
  });

  it('acknowledges the Guard retention rule only on the log groups of a stage that keeps logs shorter', () => {
    // Act: acknowledgements are construct metadata, which the Guard plugin's report honours
    const acknowledged = (root: SpineStack) =>
      root.node
        .findAll()
        .filter((c): c is LogGroup => c instanceof LogGroup)
        .map((g) =>
          g.node.metadata.some(
            (m) =>
              m.type === 'aws:cdk:acknowledged-rules' &&
              JSON.stringify(m.data).includes(`${GUARD}cloudwatch_log_group_retention_period_check`),
          ),
        );
    // Assess
    expect(acknowledged(stack).length).toBeGreaterThan(1);
    expect(acknowledged(stack).every((a) => !a)).toBe(true);
    expect(acknowledged(shortStack).every((a) => a)).toBe(true);
  });
});
