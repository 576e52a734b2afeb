import { Duration } from 'aws-cdk-lib';
import { CfnTable, type ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnEventSourceMapping, EventSourceMapping, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type Catalog, type CdcSourceSpec, cdcServiceTable } from '../../shared/catalog';
import { CDC_ENV, cdcPkPrefix } from '../../shared/cdc';
import { RUNTIME_TABLE_ENV, type RuntimeTable } from '../../shared/config';
import { iteratorAgeAlarm } from './alarms';
import type { SpineLogs } from './logs';
import { SpineFunction } from './spine-function';
import type { Topics } from './topics';

export interface CdcSourceProps {
  readonly catalog: Catalog;
  readonly source: CdcSourceSpec;
  readonly topics: Topics;
  readonly runtimeTables: Readonly<Record<RuntimeTable, Table>>;
  /** The service state table captured, for a `{ service, table }` source; absent for an external ARN. */
  readonly serviceTable?: Table;
  readonly projectRoot: string;
  readonly logs: SpineLogs;
  /** How often the snapshot runner is invoked until the snapshot is done. @default Duration.minutes(5) */
  readonly snapshotEvery?: Duration;
  /** Stream lag (IteratorAge) that raises an alarm. @default Duration.minutes(5) */
  readonly lagAlarmThreshold?: Duration;
}

/**
 * A DynamoDB stream read by the standard Lambda event source mapping, not Kinesis Data Streams for
 * DynamoDB: each change once and in order per item (docs/cdc.md has the comparison and citations).
 */
const STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];

/**
 * One CDC source: the table's stream (NEW_AND_OLD_IMAGES, switched on here for a service table), the
 * CDC function with the stream's event source mapping (the consumers' never-give-up settings: the
 * function refuses batches until the snapshot finishes, and the mapping waits) and a schedule that
 * runs the snapshot until it is done. Grants: read of that one stream, Scan (only) of that one table
 * and Decrypt with its key if it has one, write to that one topic, and the source's own leading keys
 * in the runtime tables.
 */
export class CdcSource extends Construct {
  public readonly function: SpineFunction;
  public readonly streamArn: string;
  public readonly mapping: EventSourceMapping;
  public readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: CdcSourceProps) {
    super(scope, id);
    const { source, runtimeTables } = props;
    const table = this.capturedTable(props);
    this.streamArn = this.enableStream(props);
    const fn = new SpineFunction(this, 'Function', {
      entry: `${props.projectRoot}/functions/cdc.ts`,
      projectRoot: props.projectRoot,
      catalog: props.catalog,
      description: `Spine CDC: ${source.name} into topic ${source.topic}`,
      logs: props.logs,
      timeout: Duration.minutes(5),
      environment: { [CDC_ENV.source]: source.name, [CDC_ENV.streamArn]: this.streamArn },
    });
    this.function = fn;
    // The snapshot's Scan is the only call on the captured table (no GetItem, no Query): the item
    // actions a `read` bind would add are not granted. A customer-managed key is needed to decrypt
    // both the scanned items and the stream's records.
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table.tableArn] }),
    );
    table.encryptionKey?.grant(fn.role, 'kms:Decrypt', 'kms:DescribeKey');
    fn.function.addEnvironment(CDC_ENV.table, table.tableName);
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: STREAM_READ, resources: [this.streamArn] }));
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }),
    );
    fn.bindStreamWrite(source.topic, props.topics.stream(source.topic));
    const pk = cdcPkPrefix(source.name);
    fn.bindTable(RUNTIME_TABLE_ENV.checkpoints, runtimeTables.checkpoints, 'readWrite', {
      leadingKeys: [pk, `${pk}#*`],
    });
    fn.bindTable(RUNTIME_TABLE_ENV.parking, runtimeTables.parking, 'readWrite', {
      leadingKeys: [source.name, `chunks#${source.name}`],
    });
    fn.bindTable(RUNTIME_TABLE_ENV.idempotency, runtimeTables.idempotency, 'readWrite', {
      leadingKeys: [`${pk}#*`],
    });

    this.mapping = new EventSourceMapping(this, 'StreamMapping', {
      target: fn.function,
      eventSourceArn: this.streamArn,
      batchSize: source.batchSize ?? 100,
      // One batch per shard at a time: a key's changes stay in order.
      parallelizationFactor: 1,
      // Before the snapshot: the stream's oldest record. The function holds the stream until the
      // snapshot is done; the snapshot must finish within the stream's 24 h retention.
      startingPosition: StartingPosition.TRIM_HORIZON,
      // Never give up, as consumers' mappings (eventSourceMappingSettings): a dropped change is lost
      // for good; the IteratorAge alarm shows a stuck batch.
      retryAttempts: -1,
      // Set here, not taken from the consumers' settings: the batch claim is keyed by the batch's first
      // record, so a retry must start from it with the same records. A bisected half or an item-failure
      // tail would be a new batch whose records an unmarked first attempt may already have published.
      // The handler never returns item failures; it throws and the whole batch is retried.
      bisectBatchOnError: false,
      reportBatchItemFailures: false,
    });
    const cfn = this.mapping.node.defaultChild;
    if (cfn instanceof CfnEventSourceMapping) cfn.maximumRecordAgeInSeconds = -1;
    iteratorAgeAlarm(fn, fn.function, props.lagAlarmThreshold ?? Duration.minutes(5));

    // Each run works until its deadline and saves progress per page; once done, a run is one GetItem.
    this.schedule = new Rule(this, 'Snapshot', {
      schedule: Schedule.rate(props.snapshotEvery ?? Duration.minutes(5)),
      description: `Runs or resumes the snapshot of CDC source ${source.name}`,
      targets: [
        new LambdaFunction(fn.function, { event: RuleTargetInput.fromObject({ spineCdc: 'snapshot' }) }),
      ],
    });
  }

  private capturedTable(props: CdcSourceProps): ITable {
    const own = cdcServiceTable(props.source);
    if (own) {
      if (!props.serviceTable)
        throw new Error(`CDC source ${props.source.name}: table ${own.service}/${own.table} was not passed`);
      return props.serviceTable;
    }
    if (!('arn' in props.source.table)) throw new Error(`CDC source ${props.source.name}: no table`);
    // Imported: Spine never changes a table it does not own; its owner enables the stream.
    const { arn, kmsKeyArn } = props.source.table;
    return Table.fromTableAttributes(this, 'ExternalTable', {
      tableArn: arn,
      ...(kmsKeyArn !== undefined && { encryptionKey: Key.fromKeyArn(this, 'ExternalTableKey', kmsKeyArn) }),
    });
  }

  private enableStream(props: CdcSourceProps): string {
    if ('streamArn' in props.source.table) return props.source.table.streamArn;
    const cfn = props.serviceTable?.node.defaultChild;
    if (!(cfn instanceof CfnTable))
      throw new Error(`CDC source ${props.source.name}: not a CloudFormation table`);
    cfn.streamSpecification = { streamViewType: 'NEW_AND_OLD_IMAGES' };
    return cfn.attrStreamArn;
  }
}
