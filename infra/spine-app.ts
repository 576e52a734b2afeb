import { App, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Catalog } from '../shared/catalog';
import { SpineStack } from './spine-stack';

export interface SpineAppOptions {
  /** The project's catalog: everything deployed derives from it. */
  readonly catalog: Catalog;
  /** Directory that service entries and `package-lock.json` are relative to. @default process.cwd() (where cdk.json is) */
  readonly projectRoot?: string;
  /** The ingress module, relative to `projectRoot`. @default 'functions/ingress.ts' */
  readonly ingressEntry?: string;
  /** Stack name without `-c stage=NAME`. @default 'Spine' */
  readonly stackName?: string;
  /** @default 'Spine event backbone: …' */
  readonly description?: string;
}

/**
 * A whole CDK app for one catalog: a `SpineStack` configured from the context flags below, checked by
 * cdk-nag, synthesized. A project's `infra/app.ts` is one call to this; build the `App` yourself with
 * `SpineStack` to add stacks of your own.
 *
 * `-c stage=NAME` deploys a second, independent backbone (e.g. per developer or per branch).
 * `-c retain=false` (with a stage only) makes it destroyable; `-c operatorPrincipals=ARN[,ARN]` names
 * who may assume the operator role; `-c alarmEmail=ADDRESS` subscribes to every alarm;
 * `-c logRetentionDays=N` keeps logs N days instead of a year. See docs/deploy.md.
 */
export const synthSpineApp = (options: SpineAppOptions): App => {
  const app = new App();
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const stage = context('stage');
  const stackName = stage ?? options.stackName ?? 'Spine';
  const retain = context('retain') !== 'false';
  if (!retain && !stage)
    throw new Error('-c retain=false needs -c stage=NAME: the default stack keeps its streams and tables');
  const logRetention = ((days: string | undefined): RetentionDays | undefined => {
    if (days === undefined) return undefined;
    const allowed = Object.values(RetentionDays).filter((d): d is RetentionDays => typeof d === 'number');
    const match = allowed.find((d) => String(d) === days);
    if (match === undefined)
      throw new Error(`-c logRetentionDays=${days}: CloudWatch Logs allows only ${allowed.join(', ')}`);
    return match;
  })(context('logRetentionDays'));
  const operatorPrincipalArns = context('operatorPrincipals')
    ?.split(',')
    .map((a) => a.trim())
    .filter(Boolean);

  new SpineStack(app, stackName, {
    catalog: options.catalog,
    stackName,
    retain,
    ...(options.projectRoot && { projectRoot: options.projectRoot }),
    ...(options.ingressEntry && { ingressEntry: options.ingressEntry }),
    ...(operatorPrincipalArns && { operatorPrincipalArns }),
    ...(context('alarmEmail') && { alarmEmail: context('alarmEmail') }),
    ...(logRetention !== undefined && { logRetention }),
    description:
      options.description ??
      'Spine event backbone: topics, consumers, state and the HTTP ingress, from the catalog',
  });
  // cdk-nag 3 runs as a policy-validation plugin: an unacknowledged error fails `cdk synth`. Each
  // acknowledgement sits next to the construct it concerns, with its reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  app.synth();
  return app;
};
