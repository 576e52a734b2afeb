import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { catalog } from '../catalog';
import { SpineStack } from './spine-stack';

// `-c stage=NAME` deploys a second, independent backbone (e.g. per developer or per branch).
const app = new App();
const stage: unknown = app.node.tryGetContext('stage');
const stackName = typeof stage === 'string' && stage !== '' ? stage : 'Spine';

new SpineStack(app, stackName, {
  catalog,
  stackName,
  description: 'Spine event backbone: topics, consumers, state and the HTTP ingress, from the catalog',
});
// cdk-nag 3 runs as a policy-validation plugin: an unacknowledged error fails `cdk synth`. Each
// acknowledgement sits next to the construct it concerns, with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
