import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
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
  let short: Template;
  beforeAll(() => {
    stack = buildStack(contrastCatalog());
    template = Template.fromStack(stack);
    short = Template.fromStack(
      buildStack(contrastCatalog(), 'Short', { logRetention: RetentionDays.TWO_WEEKS }),
    );
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
});
