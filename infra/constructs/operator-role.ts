import { Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { AccountRootPrincipal, type IPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IEventSourceMapping, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface OperatorRoleProps {
  /**
   * Who may assume the role. Name the operators' roles or SSO permission sets here: with the default,
   * any principal of the account whose own IAM policy allows `sts:AssumeRole` on it gets every action
   * below. @default the account (its IAM policies decide who)
   */
  readonly assumedBy?: IPrincipal;
  readonly streams: readonly IStream[];
  readonly streamKey?: IKey;
  readonly checkpoints: Table;
  readonly parking: Table;
  /** Every service state table: rebuild deletes the items of the keys it recomputes. */
  readonly stateTables: readonly Table[];
  readonly tableKey: IKey;
  /**
   * Consumers replay and redrive invoke, and their event source mappings pause/resume toggles. Their
   * (service, topic) pairs are also the only checkpoint and parking partitions the role may touch.
   */
  readonly consumers: readonly {
    service: string;
    topic: string;
    fn: IFunction;
    mapping: IEventSourceMapping;
  }[];
}

/**
 * The role the `spine` CLI runs as against a deployed stack, with only what its commands need:
 * read the stack outputs and the topics (status, tail, replay planning), read checkpoints and keep its
 * session records (`pk = ops#...` only), read, mark and delete parked events and write audit records
 * (`pk = audit#...` only), delete state items (rebuild), invoke the consumers (replay, redrive: the
 * consumers' own roles do every state write), and disable/enable their event source mappings.
 * No wildcard action or resource. Publishing is not here: it uses a producer role.
 */
export class OperatorRole extends Construct {
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: OperatorRoleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: props.assumedBy ?? new AccountRootPrincipal(),
      description: 'Spine operator: status, tail, replay, redrive, parking lot (spine CLI --stack)',
    });
    const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions, resources, ...(conditions && { conditions }) }),
      );
    const leading = (...patterns: string[]) => ({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
    });
    const services = [...new Set(props.consumers.map((c) => c.service))].sort();
    const subscriptionKeys = props.consumers.map((c) => `${c.service}#${c.topic}`).sort();

    allow(['cloudformation:DescribeStacks'], [Stack.of(this).stackId]);
    allow(
      [
        'kinesis:DescribeStreamSummary',
        'kinesis:ListShards',
        'kinesis:GetShardIterator',
        'kinesis:GetRecords',
      ],
      props.streams.map((s) => s.streamArn),
    );
    if (props.streamKey) allow(['kms:Decrypt'], [props.streamKey.keyArn]);
    // Checkpoints: the CLI reads a subscription's partition (`service#topic`) and deletes the rows of
    // its finished sessions there (`sk = shardId#scope`); it keeps its own session records under `ops#`.
    // IAM narrows the partition key only: the live row (`sk = shardId`) of the same partition stays
    // deletable, which the CLI never does. Scoped partitions (`service#topic#scope`) are the
    // consumers' own and stay out of reach.
    allow(
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
      [props.checkpoints.tableArn],
      leading(...subscriptionKeys, 'ops#*'),
    );
    allow(['dynamodb:PutItem'], [props.checkpoints.tableArn], leading('ops#*'));
    // Parking: parked events live under `pk = service`, the chunks of a record too large for one item
    // under `chunks#service` (read back and deleted with it); discards leave an audit record under `audit#`.
    allow(
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
      [props.parking.tableArn],
      leading(...services, ...services.map((s) => `chunks#${s}`), 'audit#*'),
    );
    allow(['dynamodb:PutItem'], [props.parking.tableArn], leading('audit#*'));
    // State items are keyed by event key (`pk` = the record's partition key): a rebuild may recompute
    // any of them, so no LeadingKeys can narrow this. DeleteItem only: no write that could forge state.
    if (props.stateTables.length > 0)
      allow(
        ['dynamodb:DeleteItem'],
        props.stateTables.map((t) => t.tableArn),
      );
    allow(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], [props.tableKey.keyArn]);
    if (props.consumers.length > 0) {
      allow(
        ['lambda:InvokeFunction'],
        props.consumers.map((c) => c.fn.functionArn),
      );
      allow(
        ['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping'],
        props.consumers.map((c) => c.mapping.eventSourceMappingArn),
      );
    }
  }
}
