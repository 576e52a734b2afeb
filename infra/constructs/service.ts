import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { StreamConsumer } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import {
  KinesisConsumerEventSource,
  KinesisEventSource,
  type KinesisEventSourceProps,
  SqsDlq,
} from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Catalog, ServiceSpec, SubscriptionSpec } from '../../shared/catalog';
import { RUNTIME_TABLE_ENV, type RuntimeTable, STATE_TABLE_KEY, stateTableEnvVar } from '../../shared/config';
import { failureQueueAlarm, iteratorAgeAlarm } from './alarms';
import { consumerLeadingKeys } from './leading-keys';
import { GUARD, SpineFunction } from './spine-function';
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
  /** Keep the state tables when the stack is deleted. @default true */
  readonly retain?: boolean;
  /** Consumer lag (IteratorAge) that raises an alarm. @default Duration.minutes(5) */
  readonly lagAlarmThreshold?: Duration;
}

/**
 * One catalog service: its state tables (only its consumers may write them), a failure queue, and one
 * consumer function with a Kinesis event source mapping per subscription.
 */
export class Service extends Construct {
  /** State tables by catalog table name. */
  public readonly tables: ReadonlyMap<string, Table>;
  /**
   * Receives the metadata (shard, sequence range) of batches the mapping gave up on. A safety net only:
   * the runtime parks failing events whole in the parking table before that happens.
   */
  public readonly failureQueue: Queue;
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
    this.failureQueue = new Queue(this, 'FailureQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter destination of the Kinesis event source mappings.',
      },
      {
        id: `${GUARD}sqs_dlq_check`,
        reason: 'This queue is itself the dead-letter destination of the Kinesis event source mappings.',
      },
    );
    failureQueueAlarm(this, this.failureQueue);
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
      description: `Spine consumer: service ${service.name} on topic ${sub.topic}`,
    });
    fn.addEventSource(
      this.eventSource(service.name, sub, topics, {
        batchSize: sub.batchSize,
        maxBatchingWindow: Duration.seconds(sub.batchingWindowSeconds),
        parallelizationFactor: sub.parallelizationFactor,
        startingPosition: StartingPosition[sub.startingPosition],
        // The catalog counts attempts including the first; Lambda counts retries after it.
        retryAttempts: sub.retry.maxAttempts - 1,
        bisectBatchOnError: sub.retry.bisectOnError,
        maxRecordAge:
          sub.retry.maxRecordAgeSeconds === undefined || sub.retry.maxRecordAgeSeconds === -1
            ? undefined
            : Duration.seconds(sub.retry.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );
    iteratorAgeAlarm(fn, fn.function, props.lagAlarmThreshold ?? Duration.minutes(5));
    for (const [name, table] of this.tables)
      fn.bindTable(stateTableEnvVar(service.name, name), table, 'readWrite');
    const keys = consumerLeadingKeys(service.name, sub.topic);
    fn.bindTable(RUNTIME_TABLE_ENV.checkpoints, runtimeTables.checkpoints, 'readWrite', {
      leadingKeys: keys.checkpoints,
    });
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
