import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type IEventSource, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Catalog } from '../../shared/catalog';
import { STAGE_ENV, streamEnvVar } from '../../shared/config';
import type { SchemaRegistryOptions } from '../../shared/schemas';
import { GUARD } from './guard';
import type { SpineLogs } from './logs';
import { SPINE_BUNDLING, spineEntry } from './spine-bundling';

/** How much of a table a function may touch: `read` never writes, `readWrite` includes transactions. */
export type TableAccess = 'read' | 'readWrite';

// Explicit action lists instead of CDK's `grantReadWriteData`, whose KMS half uses wildcard actions
// (`kms:GenerateDataKey*`, `kms:ReEncrypt*`). Transactions are authorised per item action, so
// TransactWriteItems needs no action of its own. DescribeTable is metadata (schema, size), read by the
// ingress's health probe.
const TABLE_METADATA = 'dynamodb:DescribeTable';
const TABLE_READ = [
  TABLE_METADATA,
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const TABLE_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
const KEY_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE = ['kms:Encrypt', 'kms:GenerateDataKey'];

export interface BindTableOptions {
  /**
   * Partition key patterns (`dynamodb:LeadingKeys`, `StringLike`) the function's item actions are
   * limited to, e.g. `['orders#payments', 'orders#payments#*']`. @default - every item of the table
   */
  readonly leadingKeys?: readonly string[];
}

export interface SpineFunctionProps {
  /** Absolute path of the TypeScript module whose `handler` export is the entry point. */
  readonly entry: string;
  /** Directory holding `package-lock.json`; esbuild resolves modules from here. */
  readonly projectRoot: string;
  /**
   * For a function that validates events (ingress, consumers): the catalog its entry imports. Its
   * schemas are compiled at synth into standalone validators bundled ahead of the entry, so cold start
   * creates no Ajv and compiles nothing. @default - none: the function validates no events
   */
  readonly catalog?: Catalog;
  /**
   * What the function validates of `catalog`, when not every event type: a consumer's
   * `serviceSchemaScope` (the types it consumes or writes, its tables' item schemas). Only these are
   * compiled into its bundle; the runtime refuses the bundle at cold start if one it validates has no
   * validator. @default - every event type of `catalog`, no item schemas
   */
  readonly schemaScope?: SchemaRegistryOptions;
  /** @default - none */
  readonly description?: string;
  /**
   * Lambda timeout. For a Kinesis consumer a batch that times out is retried whole, so keep this well
   * above the time one batch takes. @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /** Memory in MB; CPU scales with it. @default 512 */
  readonly memorySize?: number;
  /** The stack's log policy: the function's log group takes its retention and key. */
  readonly logs: SpineLogs;
  /**
   * What happens to the log group when the stack is deleted. Logs are bounded by retention anyway;
   * keeping them would leave orphans behind every deleted stage. @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Extra environment variables; prefer `bind*` methods, which also grant access. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * The one place that owns Lambda defaults for Spine: Node.js 22 on ARM64, X-Ray active, a log group
 * of its own with the stack's retention and key, esbuild (minified ESM with source maps). Its `bind*` methods grant access
 * and set the matching environment variable in one call, so a resource name is never typed twice.
 */
export class SpineFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SpineFunctionProps) {
    super(scope, id);
    this.logGroup = props.logs.logGroup(this, 'Logs', {
      ...(props.logRemovalPolicy && { removalPolicy: props.logRemovalPolicy }),
    });
    // Our own role instead of the default one, which attaches the AWSLambdaBasicExecutionRole managed
    // policy (logs on every log group). This one may write to its own log group only.
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: spineEntry(props.entry, props.projectRoot, props.catalog, props.schemaScope),
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        // No --enable-source-maps: it parses the whole map at init. The generated entry maps stack
        // frames lazily instead (see spine-bundling.ts).
        [STAGE_ENV]: Stack.of(this).stackName,
        ...props.environment,
      },
      bundling: { ...SPINE_BUNDLING, mainFields: [...SPINE_BUNDLING.mainFields], externalModules: [] },
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only from Tracing.ACTIVE: xray:PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
    });
    Validations.of(this.function).acknowledge({
      id: `${GUARD}lambda_inside_vpc_check`,
      reason:
        'Spine functions reach only AWS APIs (Kinesis, DynamoDB, KMS); a VPC would add NAT or endpoints and cold-start cost with nothing private to reach.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime the project targets (esbuild emits node22 code); moving on is a deliberate change here.',
    });
  }

  /** Grants nothing; sets `streamEnvVar(topic)` for a function that only needs to know the name. */
  bindStreamName(topic: string, stream: IStream): this {
    this.function.addEnvironment(streamEnvVar(topic), stream.streamName);
    return this;
  }

  /**
   * Grants PutRecord(s) on the stream, plus reading back what it wrote, and sets `streamEnvVar(topic)`.
   * Writers read back their own writes after a crash: the consumer runtime looks for outbox events that
   * may already be published, the ingress for the record of a stale idempotency claim. That takes
   * ListShards, GetShardIterator and GetRecords (and decrypt); no Describe*, no SubscribeToShard.
   */
  bindStreamWrite(topic: string, stream: IStream): this {
    stream.grant(
      this.role,
      'kinesis:PutRecord',
      'kinesis:PutRecords',
      'kinesis:ListShards',
      'kinesis:GetShardIterator',
      'kinesis:GetRecords',
    );
    if (stream.encryptionKey) this.grantKey(stream.encryptionKey, ['kms:GenerateDataKey', 'kms:Decrypt']);
    return this.bindStreamName(topic, stream);
  }

  /**
   * Grants `access` on the table (and its key) and sets `envVar` to the table name. With `leadingKeys`,
   * item actions are allowed only on items whose partition key matches one of the patterns (IAM
   * `StringLike`: `*` any run of characters), which is how a shared table is split between functions.
   */
  bindTable(envVar: string, table: ITable, access: TableAccess, options: BindTableOptions = {}): this {
    const actions = access === 'read' ? TABLE_READ : [...TABLE_READ, ...TABLE_WRITE];
    if (options.leadingKeys) {
      if (options.leadingKeys.length === 0) throw new Error(`bindTable(${envVar}): leadingKeys is empty`);
      // DescribeTable names no item, so it stays outside the condition. Item actions go under
      // ForAllValues, which is also true of a request carrying no key at all (Scan): no Scan is granted.
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: [TABLE_METADATA], resources: [table.tableArn] }),
      );
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: actions.filter((a) => a !== TABLE_METADATA),
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...options.leadingKeys] } },
        }),
      );
    } else this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [table.tableArn] }));
    if (table.encryptionKey)
      this.grantKey(table.encryptionKey, access === 'read' ? KEY_READ : [...KEY_READ, ...KEY_WRITE]);
    this.function.addEnvironment(envVar, table.tableName);
    return this;
  }

  /** Adds an event source (e.g. a Kinesis mapping); the source grants what it needs to read. */
  addEventSource(source: IEventSource): this {
    this.function.addEventSource(source);
    return this;
  }

  /** The principal to hand to grants this construct has no `bind*` method for. */
  get grantPrincipal(): IPrincipal {
    return this.role;
  }

  private grantKey(key: IKey, actions: string[]): void {
    key.grant(this.role, ...actions);
  }
}
