import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { contrastCatalog, projectCatalog } from '../fixtures/infra/catalogs';
import { buildStack } from './synth';

// cdk-nag 3 reports through CDK policy validation (`validateScope`, and `cdk synth` fails on errors),
// not through annotations; so `Annotations.findError('AwsSolutions-*')` would pass vacuously. The
// findings are asserted from the pack's own report instead, and a known-bad resource shows it can fail.
const findings = (
  catalogFactory: typeof projectCatalog,
  mutate?: (stack: ReturnType<typeof buildStack>) => void,
) => {
  const stack = buildStack(catalogFactory());
  mutate?.(stack);
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.map(
    (v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
  );
};

describe('AwsSolutionsChecks on SpineStack', () => {
  it.each([
    ['the project catalog', projectCatalog],
    ['a contrasting catalog', contrastCatalog],
  ])('reports no unacknowledged error or warning for %s', (_name, factory) => {
    expect(findings(factory)).toEqual([]);
  });

  it('does report a finding the stack does not acknowledge', () => {
    const found = findings(projectCatalog, (stack) => new Queue(stack, 'Careless'));
    expect(found.some((f) => f.startsWith('AwsSolutions-SQS4') && f.includes('Careless'))).toBe(true);
  });

  it('leaves no error or warning annotation from CDK itself', () => {
    const annotations = Annotations.fromStack(buildStack(projectCatalog()));
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});
