import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { TableKeySchema } from '../../shared/config';

/**
 * A DynamoDB table with Spine's defaults: on-demand billing, point-in-time recovery, a customer-managed
 * key, deletion protection and RETAIN. These tables hold checkpoints, dedupe markers, parked events and
 * service state: losing one replays or loses effects, so deleting one takes two deliberate steps.
 * `retain: false` (dev stages only) drops both steps, so `cdk destroy` removes the table.
 */
export const spineTable = (
  scope: Construct,
  id: string,
  schema: TableKeySchema,
  key: IKey,
  retain = true,
): Table =>
  new Table(scope, id, {
    partitionKey: { name: schema.partitionKey, type: AttributeType.STRING },
    sortKey: schema.sortKey ? { name: schema.sortKey, type: AttributeType.STRING } : undefined,
    timeToLiveAttribute: schema.ttlAttribute,
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    deletionProtection: retain,
    removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
