import { Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { AccountRootPrincipal, type IPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IEventSourceMapping, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface OperatorRoleProps {
  /** Who may assume the role. @default the account (its IAM policies decide who) */
  readonly assumedBy?: IPrincipal;
  readonly streams: readonly IStream[];
  readonly streamKey?: IKey;
  readonly checkpoints: Table;
  readonly parking: Table;
  /** Every service state table: rebuild deletes the items of the keys it recomputes. */
  readonly stateTables: readonly Table[];
  readonly tableKey: IKey;
  /** Consumers replay and redrive invoke, and their event source mappings pause/resume toggles. */
  readonly consumers: readonly { fn: IFunction; mapping: IEventSourceMapping }[];
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
    const leading = (prefix: string) => ({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] },
    });

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
    allow(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem'], [props.checkpoints.tableArn]);
    allow(['dynamodb:PutItem'], [props.checkpoints.tableArn], leading('ops#'));
    allow(
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
      [props.parking.tableArn],
    );
    allow(['dynamodb:PutItem'], [props.parking.tableArn], leading('audit#'));
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
