import { Duration, Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { StreamConsumer } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnEventSourceMapping, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import {
  KinesisConsumerEventSource,
  KinesisEventSource,
  type KinesisEventSourceProps,
} from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import {
  type Catalog,
  eventSourceMappingSettings,
  type ServiceSpec,
  type SubscriptionSpec,
} from '../../shared/catalog';
import {
  CONSUMER_TIMEOUT_SECONDS,
  RUNTIME_TABLE_ENV,
  type RuntimeTable,
  STATE_TABLE_KEY,
  stateTableEnvVar,
} from '../../shared/config';
import { serviceSchemaScope } from '../../shared/schemas';
import { iteratorAgeAlarm } from './alarms';
import { CHECKPOINT_READ_ACTIONS, consumerCheckpointReadKeys, consumerLeadingKeys } from './leading-keys';
import type { SpineLogs } from './logs';
import { SpineFunction } from './spine-function';
import { spineTable } from './spine-table';
import type { Topics } from './topics';

export interface ServiceProps {
  readonly catalog: Catalog;
  readonly service: ServiceSpec;
  readonly topics: Topics;
  readonly runtimeTables: Readonly<Record<RuntimeTable, Table>>;
  /** Encrypts the service's state tables. */
  readonly tableKey: IKey;
  /** Directory the catalog's `entry` paths are relative to. */
  readonly projectRoot: string;
  /** The stack's log policy: each consumer's log group takes its retention and key. */
  readonly logs: SpineLogs;
  /** Keep the state tables when the stack is deleted. @default true */
  readonly retain?: boolean;
  /** Consumer lag (IteratorAge) that raises an alarm. @default Duration.minutes(5) */
  readonly lagAlarmThreshold?: Duration;
}

/**
 * One catalog service: its state tables (only its consumers may write them) and one consumer function
 * with a Kinesis event source mapping per subscription.
 *
 * The mappings never give up (`eventSourceMappingSettings`): the runtime parks a failing event whole,
 * so there is no on-failure destination. With infinite retries and no maximum record age an SQS/SNS
 * destination could never fire (and would only have held shard and sequence range). What remains to
 * watch is a shard that does not move: the IteratorAge alarm of each consumer.
 */
export class Service extends Construct {
  /** State tables by catalog table name. */
  public readonly tables: ReadonlyMap<string, Table>;
  /** Consumer functions by subscribed topic. */
  public readonly consumers: ReadonlyMap<string, SpineFunction>;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const { service } = props;
    this.tables = new Map(
      service.tables.map((t) => [
        t.name,
        spineTable(
          this,
          `Table-${t.name}`,
          { ...STATE_TABLE_KEY, ttlAttribute: t.ttlAttribute },
          props.tableKey,
          props.retain ?? true,
        ),
      ]),
    );
    this.consumers = new Map(service.subscriptions.map((sub) => [sub.topic, this.consumer(props, sub)]));
  }

  /**
   * The mapping's source: the topic's stream, or with `enhancedFanOut` a stream consumer registered for
   * this subscription (its own 2 MB/s per shard, pushed over SubscribeToShard). Both grant the read.
   */
  private eventSource(
    service: string,
    sub: SubscriptionSpec,
    topics: Topics,
    options: KinesisEventSourceProps,
  ): KinesisEventSource | KinesisConsumerEventSource {
    const stream = topics.stream(sub.topic);
    if (!sub.enhancedFanOut) return new KinesisEventSource(stream, options);
    const consumer = new StreamConsumer(this, `FanOut-${sub.topic}`, {
      stream,
      streamConsumerName: `${Stack.of(this).stackName}-${service}-${sub.topic}`,
    });
    return new KinesisConsumerEventSource(consumer, options);
  }

  private consumer(props: ServiceProps, sub: SubscriptionSpec): SpineFunction {
    const { service, catalog, topics, runtimeTables } = props;
    const fn = new SpineFunction(this, `Consumer-${sub.topic}`, {
      entry: `${props.projectRoot}/${service.entry}`,
      projectRoot: props.projectRoot,
      catalog,
      schemaScope: serviceSchemaScope(catalog, service.name),
      description: `Spine consumer: service ${service.name} on topic ${sub.topic}`,
      timeout: Duration.seconds(CONSUMER_TIMEOUT_SECONDS),
      logs: props.logs,
    });
    const settings = eventSourceMappingSettings(sub);
    fn.addEventSource(
      this.eventSource(service.name, sub, topics, {
        batchSize: settings.batchSize,
        maxBatchingWindow: Duration.seconds(settings.maximumBatchingWindowInSeconds),
        parallelizationFactor: settings.parallelizationFactor,
        startingPosition: StartingPosition[settings.startingPosition],
        retryAttempts: settings.maximumRetryAttempts,
        bisectBatchOnError: settings.bisectBatchOnFunctionError,
        reportBatchItemFailures: settings.reportBatchItemFailures,
      }),
    );
    // A Duration cannot say -1 (never), so the age goes on the L1 resource: explicit in the template
    // rather than left to the service default.
    for (const child of fn.function.node.findAll())
      if (child instanceof CfnEventSourceMapping)
        child.maximumRecordAgeInSeconds = settings.maximumRecordAgeInSeconds;
    iteratorAgeAlarm(fn, fn.function, props.lagAlarmThreshold ?? Duration.minutes(5));
    for (const [name, table] of this.tables)
      fn.bindTable(stateTableEnvVar(service.name, name), table, 'readWrite');
    const keys = consumerLeadingKeys(service.name, sub.topic);
    fn.bindTable(RUNTIME_TABLE_ENV.checkpoints, runtimeTables.checkpoints, 'readWrite', {
      leadingKeys: keys.checkpoints,
    });
    // Other topics' checkpoints of the service, read only: fences of another topic on a shared item.
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...CHECKPOINT_READ_ACTIONS],
        resources: [runtimeTables.checkpoints.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [...consumerCheckpointReadKeys(service.name)],
          },
        },
      }),
    );
    fn.bindTable(RUNTIME_TABLE_ENV.parking, runtimeTables.parking, 'readWrite', {
      leadingKeys: keys.parking,
    });
    fn.bindTable(RUNTIME_TABLE_ENV.outbox, runtimeTables.outbox, 'readWrite', { leadingKeys: keys.outbox });
    const written = new Set(catalog.eventTypes.filter((e) => e.writer === service.name).map((e) => e.topic));
    for (const topic of [...written].sort()) fn.bindStreamWrite(topic, topics.stream(topic));
    // The runtime maps a record's stream ARN back to its topic by name; reading is granted by the mapping.
    for (const s of service.subscriptions)
      if (!written.has(s.topic)) fn.bindStreamName(s.topic, topics.stream(s.topic));
    return fn;
  }
}
