import { rmSync } from 'node:fs';
import type { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpineStack } from '../../infra/spine-stack';
import { contrastCatalog, FIXTURE_HANDLER, projectCatalog } from '../fixtures/infra/catalogs';
import { type GuardViolation, guardOutdir, guardViolations } from './guard';

// AWS's Control Tower proactive controls as Guard rules (`@cdklabs/cdk-validator-cfnguard`), run as a
// policy-validation plugin so the `GUARD` acknowledgements next to constructs apply. Both catalogs go
// through one synth and one cfn-guard process. The contrasting stack also holds a planted queue with
// neither dead-letter queue nor acknowledgement, which shows the run can fail inside a SpineStack.
describe('Control Tower Guard rules on SpineStack', () => {
  const outdir = guardOutdir();
  let violations: GuardViolation[];
  let validator: CfnGuardValidator;
  const found = (stack: string) =>
    violations
      .filter((v) => v.constructPath.startsWith(`${stack}/`))
      .map((v) => `${v.ruleName} at ${v.constructPath}`);

  beforeAll(() => {
    const app = new App({
      outdir,
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    new SpineStack(app, 'Project', { catalog: projectCatalog(), ingressEntry: FIXTURE_HANDLER });
    const contrast = new SpineStack(app, 'Contrast', {
      catalog: contrastCatalog(),
      ingressEntry: FIXTURE_HANDLER,
    });
    new Queue(contrast, 'Careless');
    ({ violations, validator } = guardViolations(app));
  }, 300_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('reports no unacknowledged violation for the project catalog', () => {
    expect(found('Project')).toEqual([]);
  });

  it('reports no unacknowledged violation for a contrasting catalog, beside the planted queue', () => {
    expect(found('Contrast').filter((v) => !v.includes('/Careless/'))).toEqual([]);
  });

  it('does report the planted queue the stack does not acknowledge', () => {
    expect(found('Contrast')).toContain('sqs_dlq_check at Contrast/Careless/Resource');
  });

  it('runs the rules for what the stacks hold: alarms, log groups, keys, functions, queues', () => {
    // ruleIds: rule files left after the filter, `ct-cloudwatch-pr-1` as `cloudwatchpr1`.
    expect(validator.ruleIds).toEqual(
      expect.arrayContaining([
        'cloudwatchpr1', // alarm actions
        'cloudwatchpr2', // log retention
        'cloudwatchpr3', // log encryption
        'kmspr1', // key rotation
        'kmspr3', // grants limited to AWS services
        'lambdapr2', // no public invoke
        'lambdapr3', // VPC (acknowledged)
        'sqspr1', // dead-letter queue
        'kinesispr1', // stream encryption
        'dynamodbpr2', // table encryption
        'apigatewaypr4', // access logs
        'apigatewaypr5', // route authorization
      ]),
    );
  });
});
