import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { type Catalog, CatalogError } from '../../shared/catalog';

export interface TopicsProps {
  readonly catalog: Catalog;
  /**
   * What happens to streams and their key when the stack is deleted or a stream is replaced.
   * A stream is the log itself: deleting it drops every event still within retention, which replay
   * and redrive depend on, so it must outlive a mistaken `cdk destroy` or a rename. @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** One Kinesis stream per catalog topic, encrypted with one customer-managed key (rotated yearly). */
export class Topics extends Construct {
  public readonly key: Key;
  private readonly byTopic = new Map<string, Stream>();

  constructor(scope: Construct, id: string, props: TopicsProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the Spine topic streams',
      enableKeyRotation: true,
      removalPolicy,
    });
    for (const topic of props.catalog.topics) {
      const stream = new Stream(this, topic.name, {
        streamMode: topic.shards === 'on-demand' ? StreamMode.ON_DEMAND : StreamMode.PROVISIONED,
        shardCount: topic.shards === 'on-demand' ? undefined : topic.shards,
        retentionPeriod: Duration.hours(topic.retentionHours),
        encryption: StreamEncryption.KMS,
        encryptionKey: this.key,
        removalPolicy,
      });
      this.byTopic.set(topic.name, stream);
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason:
        'A customer-managed key instead of aws/kinesis on purpose: rotation and key policy stay ours; costs ~1 USD/month.',
    });
  }

  /** The stream of a catalog topic; an unknown topic is a catalog contradiction. */
  stream(topic: string): Stream {
    const stream = this.byTopic.get(topic);
    if (!stream)
      throw new CatalogError([
        { path: `topics[${topic}]`, message: `no stream for unknown topic "${topic}"` },
      ]);
    return stream;
  }

  /** Every (topic name, stream) pair in catalog order. */
  all(): [topic: string, stream: Stream][] {
    return [...this.byTopic.entries()];
  }
}
