import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { type App, CfnResource, Validations } from 'aws-cdk-lib';

/** The Control Tower rule files the plugin runs by default, one `.guard` file per control. */
const RULES_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard')),
  '..',
  'rules',
  'control-tower',
  'cfn-guard',
);

const ruleFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? ruleFiles(join(dir, e.name)) : e.name.endsWith('.guard') ? [join(dir, e.name)] : [],
  );

/**
 * Names (`ct-sqs-pr-1`) of the rule files that name none of `types`. cfn-guard evaluates every rule
 * file against the whole template, about 0.1 s of CPU per file for a SpineStack, and all 237 files
 * took 22 s per template; a file about resource types the template lacks can only report "not
 * applicable". A file that names no type at all is kept, so the filter errs towards running a rule.
 */
export const inapplicableRules = (types: ReadonlySet<string>): string[] =>
  ruleFiles(RULES_DIR)
    .filter((file) => {
      const named = readFileSync(file, 'utf8').match(/AWS::\w+::\w+/g);
      return named !== null && !named.some((t) => types.has(t));
    })
    .map((file) => basename(file, '.guard'));

export interface GuardViolation {
  readonly ruleName: string;
  readonly constructPath: string;
}

interface GuardReport {
  readonly pluginReports?: readonly {
    readonly pluginName?: string;
    readonly violations?: readonly {
      readonly ruleName: string;
      readonly violatingConstructs?: readonly { readonly constructPath: string }[];
    }[];
  }[];
}

/**
 * Runs AWS's Control Tower Guard rules over every stack of `app` the way `cdk synth` runs a policy
 * plugin, so acknowledgements next to constructs apply, and returns what is left unacknowledged. One
 * synth and one cfn-guard process for all stacks. The app must have been created with `outdir` set to
 * a fresh directory and `builtinCloudFormationValidation: false` (CDK's own template check, ~11 s of
 * engine start-up per process, is not what this measures; `cdk synth` still runs it).
 */
export const guardViolations = (app: App): { violations: GuardViolation[]; validator: CfnGuardValidator } => {
  const types = new Set(
    app.node
      .findAll()
      .filter(CfnResource.isCfnResource)
      .map((r) => r.cfnResourceType),
  );
  const validator = new CfnGuardValidator({
    disabledRules: inapplicableRules(types),
    // cfn-guard prints every finding, acknowledged or not; two SpineStacks exceed Node's default 1 MB.
    maxBuffer: 64 * 1024 * 1024,
  });
  Validations.of(app).addPlugins(validator);
  // Outside `NODE_ENV=test` a failed validation only prints and sets `process.exitCode`; in memory it
  // throws after writing the report. Either way the report file is the result.
  const exitCode = process.exitCode;
  try {
    app.synth();
  } catch {
    // The report below says what failed.
  } finally {
    process.exitCode = exitCode;
  }
  const path = join(app.outdir, 'validation-report.json');
  if (!existsSync(path)) throw new Error(`synth wrote no validation report in ${app.outdir}`);
  const report: GuardReport = JSON.parse(readFileSync(path, 'utf8'));
  const violations = (report.pluginReports ?? [])
    .filter((r) => r.pluginName === validator.name)
    .flatMap((r) =>
      (r.violations ?? []).flatMap((v) =>
        (v.violatingConstructs ?? []).map((c) => ({ ruleName: v.ruleName, constructPath: c.constructPath })),
      ),
    );
  return { violations, validator };
};

/** A fresh assembly directory for an app that `guardViolations` will synthesize. */
export const guardOutdir = (): string => mkdtempSync(join(tmpdir(), 'spine-guard-'));
