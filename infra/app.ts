import { App, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { catalog } from '../catalog';
import { SpineStack } from './spine-stack';

// `-c stage=NAME` deploys a second, independent backbone (e.g. per developer or per branch).
// `-c retain=false` (with a stage only) makes it destroyable; `-c operatorPrincipals=ARN[,ARN]` names
// who may assume the operator role; `-c alarmEmail=ADDRESS` subscribes to every alarm;
// `-c logRetentionDays=N` keeps logs N days instead of a year. See docs/deploy.md.
const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
};
const stage = context('stage');
const stackName = stage ?? 'Spine';
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
  catalog,
  stackName,
  retain,
  ...(operatorPrincipalArns && { operatorPrincipalArns }),
  ...(context('alarmEmail') && { alarmEmail: context('alarmEmail') }),
  ...(logRetention !== undefined && { logRetention }),
  description: 'Spine event backbone: topics, consumers, state and the HTTP ingress, from the catalog',
});
// cdk-nag 3 runs as a policy-validation plugin: an unacknowledged error fails `cdk synth`. Each
// acknowledgement sits next to the construct it concerns, with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
