import { allowsAction, type Grant, grantReaches, hasWildcard } from './grants';
import type { TemplateJson } from './template';

/** What an action does to a data resource: reads it, writes data into it, or changes/deletes the resource. */
export type Access = 'read' | 'write' | 'admin';

/** Data resources the checks look at, by CloudFormation type. */
export const DATA_TYPES = {
  'AWS::Kinesis::Stream': 'kinesis',
  'AWS::DynamoDB::Table': 'dynamodb',
  'AWS::KMS::Key': 'kms',
} as const;

const of = (access: Access, names: string): [string, Access][] =>
  names.split(/\s+/).map((name) => [name, access]);

// The resource-level actions of each service (IAM service authorization reference). Wildcard grants are
// expanded against these lists; a concrete action missing here is classified by its verb below.
const KNOWN: Readonly<Record<string, ReadonlyMap<string, Access>>> = {
  kinesis: new Map([
    ...of(
      'read',
      'DescribeLimits DescribeStream DescribeStreamConsumer DescribeStreamSummary GetRecords GetResourcePolicy GetShardIterator ListShards ListStreamConsumers ListStreams ListTagsForResource ListTagsForStream SubscribeToShard',
    ),
    ...of('write', 'PutRecord PutRecords'),
    ...of(
      'admin',
      'AddTagsToStream CreateStream DecreaseStreamRetentionPeriod DeleteResourcePolicy DeleteStream DeregisterStreamConsumer DisableEnhancedMonitoring EnableEnhancedMonitoring IncreaseStreamRetentionPeriod MergeShards PutResourcePolicy RegisterStreamConsumer RemoveTagsFromStream SplitShard StartStreamEncryption StopStreamEncryption TagResource UntagResource UpdateShardCount UpdateStreamMode',
    ),
  ]),
  dynamodb: new Map([
    ...of(
      'read',
      'BatchGetItem ConditionCheckItem DescribeContinuousBackups DescribeContributorInsights DescribeKinesisStreamingDestination DescribeStream DescribeTable DescribeTimeToLive GetItem GetRecords GetResourcePolicy GetShardIterator ListStreams ListTagsOfResource PartiQLSelect Query Scan',
    ),
    ...of('write', 'BatchWriteItem DeleteItem PartiQLDelete PartiQLInsert PartiQLUpdate PutItem UpdateItem'),
    ...of(
      'admin',
      'CreateBackup CreateTable DeleteResourcePolicy DeleteTable DisableKinesisStreamingDestination EnableKinesisStreamingDestination ExportTableToPointInTime PutResourcePolicy RestoreTableFromBackup RestoreTableToPointInTime TagResource UntagResource UpdateContinuousBackups UpdateContributorInsights UpdateKinesisStreamingDestination UpdateTable UpdateTimeToLive',
    ),
  ]),
  kms: new Map([
    ...of('read', 'Decrypt DescribeKey GetKeyPolicy GetKeyRotationStatus ListResourceTags'),
    ...of('write', 'Encrypt GenerateDataKey GenerateDataKeyWithoutPlaintext ReEncryptFrom ReEncryptTo'),
    ...of(
      'admin',
      'CancelKeyDeletion CreateGrant DisableKey DisableKeyRotation EnableKey EnableKeyRotation PutKeyPolicy RetireGrant RevokeGrant ScheduleKeyDeletion TagResource UntagResource UpdateKeyDescription',
    ),
  ]),
};

/** Access of a `service:Action`, from the list above or else by its verb. */
export const accessOf = (action: string): Access => {
  const [service = '', name = ''] = action.split(':');
  const known = KNOWN[service]?.get(name);
  if (known) return known;
  if (/^(Get|Describe|List|Subscribe|Query|Scan|BatchGet|ConditionCheck)/.test(name)) return 'read';
  if (/^(PutRecords?|PutItem|UpdateItem|DeleteItem|BatchWrite)$/.test(name)) return 'write';
  return 'admin';
};

/**
 * The concrete actions of `service` that `grants` allow on the template resource `id`: wildcard
 * patterns expanded against the known actions, concrete ones taken as they are.
 */
export const actionsOn = (
  t: TemplateJson,
  grants: readonly Grant[],
  id: string,
  service: string,
): Set<string> => {
  const known = [...(KNOWN[service]?.keys() ?? [])].map((name) => `${service}:${name}`);
  const found = new Set<string>();
  for (const g of grants.filter((g) => grantReaches(t, g, id, service))) {
    for (const action of known) if (allowsAction(g, action)) found.add(action);
    if (!g.notAction)
      for (const a of g.actions)
        if (
          !hasWildcard(a) &&
          a.toLowerCase().startsWith(`${service}:`) &&
          !known.some((k) => k.toLowerCase() === a.toLowerCase())
        )
          found.add(a);
  }
  return found;
};
