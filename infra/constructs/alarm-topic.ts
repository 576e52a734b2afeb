import { Aws, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

export interface AlarmTopicProps {
  /** An address subscribed to every alarm; it must confirm the subscription e-mail. @default - none */
  readonly email?: string;
  /** What happens to the topic's key when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The SNS topic every Spine alarm notifies (ALARM and OK), encrypted with a key of its own. CloudWatch
 * may use that key only for alarms of this account and region (`aws:SourceAccount`, `aws:SourceArn`):
 * without the grant, alarms on an encrypted topic deploy cleanly and deliver nothing.
 */
export class AlarmTopic extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the Spine alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      displayName: `Spine alarms (${Stack.of(this).stackName})`,
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }

  /** Sends ALARM and OK of every alarm under `root` to the topic; returns how many were attached. */
  notifyAll(root: IConstruct): number {
    const action = new SnsAction(this.topic);
    const alarms = root.node.findAll().filter((c): c is Alarm => c instanceof Alarm);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarms.length;
  }
}
