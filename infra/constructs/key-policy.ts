import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';

/**
 * Adds to every key under `root` a statement denying `kms:CreateGrant` unless the grant is for an AWS
 * resource or the caller is an AWS service (Control Tower CT.KMS.PR.3). A grant outlives the policy
 * that allowed it, so a principal that may call CreateGrant could hand out lasting use of the key.
 * DynamoDB's grants on table keys are for AWS resources and stay allowed. Returns the keys changed.
 */
export const denyForeignGrants = (root: IConstruct): number => {
  const keys = root.node.findAll().filter((c): c is Key => c instanceof Key);
  for (const key of keys)
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyGrantsNotForAwsResources',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  return keys.length;
};
