import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { SpineStack, type SpineStackProps } from '../../infra/spine-stack';
import type { Catalog } from '../../shared/catalog';
import { FIXTURE_HANDLER } from '../fixtures/infra/catalogs';
import { removeAfterFile } from '../setup/temp-dirs';

/**
 * An App for tests: no bundling (`aws:cdk:bundling-stacks: []` makes NodejsFunction skip esbuild and use
 * a placeholder asset), so a synth takes a second instead of one esbuild run per function; no built-in
 * CloudFormation validation either (it starts a WebAssembly engine, ~11 s of CPU per test process, then
 * checks each template for some seconds more, on every `Template.fromStack`; `npm run synth` still runs
 * it over the real app). Its assembly goes to a temp dir removed after the test file: an App's
 * default `cdk.out*` dir under the system temp dir was left behind, about 90 of them per suite run.
 */
export const testApp = (props: AppProps = {}): App => {
  const outdir = mkdtempSync(join(tmpdir(), 'spine-cdk-'));
  removeAfterFile(outdir);
  return new App({
    outdir,
    builtinCloudFormationValidation: false,
    ...props,
    context: { 'aws:cdk:bundling-stacks': [], ...props.context },
  });
};

/** Builds a SpineStack in a `testApp`. */
export const buildStack = (
  catalog: Catalog,
  id = 'Test',
  props: Omit<SpineStackProps, 'catalog'> = {},
): SpineStack => new SpineStack(testApp(), id, { catalog, ingressEntry: FIXTURE_HANDLER, ...props });

export const synth = (catalog: Catalog): { stack: SpineStack; template: Template } => {
  const stack = buildStack(catalog);
  return { stack, template: Template.fromStack(stack) };
};

/** Logical id of the CloudFormation resource behind a construct (L2 or L1). */
export const logicalId = (stack: SpineStack, construct: IConstruct): string =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);

export interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every IAM statement attached to the role with this logical id. */
export const roleStatements = (template: Template, roleId: string): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
