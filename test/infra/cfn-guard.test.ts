import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { SpineStack } from '../../infra/spine-stack';
import type { Catalog } from '../../shared/catalog';
import { contrastCatalog, FIXTURE_HANDLER, projectCatalog } from '../fixtures/infra/catalogs';

// AWS's Control Tower proactive controls as Guard rules, run the way `cdk synth` runs them: as a
// policy-validation plugin, so acknowledgements next to the constructs (`GUARD` ids) apply. Synth
// writes the report (acknowledged violations moved to `suppressedViolations`) to the assembly
// directory; outside `NODE_ENV=test` it only prints it and sets `process.exitCode`, so the test reads
// the file instead of expecting a throw, and restores the exit code.
interface GuardReport {
  readonly pluginReports?: readonly {
    readonly violations?: readonly {
      readonly ruleName: string;
      readonly violatingConstructs?: readonly { readonly constructPath: string }[];
    }[];
  }[];
}

const outdirs: string[] = [];
const guardViolations = (catalog: Catalog, mutate?: (stack: SpineStack) => void): string[] => {
  const outdir = mkdtempSync(join(tmpdir(), 'spine-guard-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    policyValidationBeta1: [new CfnGuardValidator()],
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new SpineStack(app, 'Guarded', { catalog, ingressEntry: FIXTURE_HANDLER });
  mutate?.(stack);
  const exitCode = process.exitCode;
  try {
    app.synth();
  } catch {
    // In-memory mode throws after writing the same report.
  } finally {
    process.exitCode = exitCode;
  }
  const path = join(outdir, 'validation-report.json');
  if (!existsSync(path)) throw new Error(`synth wrote no validation report in ${outdir}`);
  const report: GuardReport = JSON.parse(readFileSync(path, 'utf8'));
  return (report.pluginReports ?? []).flatMap((r) =>
    (r.violations ?? []).flatMap((v) =>
      (v.violatingConstructs ?? []).map((c) => `${v.ruleName} at ${c.constructPath}`),
    ),
  );
};

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('Control Tower Guard rules on SpineStack', () => {
  it.each([
    ['the project catalog', projectCatalog],
    ['a contrasting catalog', contrastCatalog],
  ])('reports no unacknowledged violation for %s', (_name, factory) => {
    expect(guardViolations(factory())).toEqual([]);
  });

  it('does report a violation the stack does not acknowledge', () => {
    const found = guardViolations(projectCatalog(), (stack) => new Queue(stack, 'Careless'));
    expect(found).toContain('sqs_dlq_check at Guarded/Careless/Resource');
  });
});
