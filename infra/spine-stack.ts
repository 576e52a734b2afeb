import { resolve } from 'node:path';
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { ArnPrincipal, CompositePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Catalog } from '../shared/catalog';
import { RUNTIME_TABLES, type RuntimeTable } from '../shared/config';
import { assertDeployable } from './catalog-checks';
import { AlarmTopic } from './constructs/alarm-topic';
import { CdcSource } from './constructs/cdc';
import { IngressApi } from './constructs/ingress-api';
import { denyForeignGrants } from './constructs/key-policy';
import { SpineLogs } from './constructs/logs';
import { Operations } from './constructs/ops';
import { QueryRoutes } from './constructs/query-routes';
import { RuntimeTables } from './constructs/runtime-tables';
import { Service } from './constructs/service';
import { Topics } from './constructs/topics';
import { outputNames } from './output-names';
import { SPINE_ROOT } from './package-files';

/**
 * Spine's own folder (this repository, whose example entries and `package-lock.json` are relative to
 * it). A project that installed Spine has its entries in its own folder: the stack's default.
 */
export const PROJECT_ROOT = SPINE_ROOT;

export interface SpineStackProps extends StackProps {
  /** Everything the stack creates is derived from this catalog. */
  readonly catalog: Catalog;
  /**
   * Directory that catalog entries (`services[].entry`, `queries.entry`), `ingressEntry` and
   * `package-lock.json` are relative to. @default process.cwd(): where `cdk.json` is, as the CDK CLI
   * runs the app from there
   */
  readonly projectRoot?: string;
  /** The ingress handler module, relative to `projectRoot`. @default 'functions/ingress.ts' */
  readonly ingressEntry?: string;
  /**
   * Keep streams, tables and their keys when the stack is deleted (RETAIN, table deletion protection).
   * Turn off for throwaway dev stages only: `cdk destroy` then deletes every event and all state. Idle
   * cost per stage: docs/deploy.md. @default true
   */
  readonly retain?: boolean;
  /**
   * ARNs of the principals (operators' roles, SSO permission-set roles) that may assume the operator
   * role. @default - the account root: any principal whose own IAM policy allows it
   */
  readonly operatorPrincipalArns?: readonly string[];
  /** An e-mail address subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /**
   * How long every log group (functions, ingress access log) keeps its events. Below a year the
   * Control Tower Guard rule CT.CLOUDWATCH.PR.2 is acknowledged as the deployer's choice.
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The whole backbone for one catalog: topic streams, runtime and state tables, one consumer per
 * (service, subscription), and the HTTP ingress. A contradictory catalog throws `CatalogError` here,
 * before any resource is defined.
 */
export class SpineStack extends Stack {
  public readonly topics: Topics;
  public readonly runtimeTables: RuntimeTables;
  public readonly services: ReadonlyMap<string, Service>;
  /** CDC sources by name (catalog `cdcSources`). */
  public readonly cdcSources: ReadonlyMap<string, CdcSource>;
  public readonly ingress: IngressApi;
  public readonly operations: Operations;
  public readonly queries: QueryRoutes;
  public readonly alarms: AlarmTopic;
  public readonly logs: SpineLogs;

  constructor(scope: Construct, id: string, props: SpineStackProps) {
    super(scope, id, props);
    const { catalog } = props;
    const projectRoot = resolve(props.projectRoot ?? process.cwd());
    assertDeployable(catalog, projectRoot);

    const retain = props.retain ?? true;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.logs = new SpineLogs(this, 'Logs', {
      ...(props.logRetention !== undefined && { retention: props.logRetention }),
      keyRemovalPolicy: removalPolicy,
    });
    const { logs } = this;
    this.topics = new Topics(this, 'Topics', { catalog, removalPolicy });
    this.runtimeTables = new RuntimeTables(this, 'RuntimeTables', { retain });
    const { tables, key: tableKey } = this.runtimeTables;
    this.services = new Map(
      catalog.services.map((service) => [
        service.name,
        new Service(this, `Service-${service.name}`, {
          catalog,
          service,
          topics: this.topics,
          runtimeTables: tables,
          tableKey,
          projectRoot,
          logs,
          retain,
        }),
      ]),
    );
    this.cdcSources = new Map(
      (catalog.cdcSources ?? []).map((source) => {
        const own = 'service' in source.table ? source.table : undefined;
        const serviceTable = own && this.services.get(own.service)?.tables.get(own.table);
        return [
          source.name,
          new CdcSource(this, `Cdc-${source.name}`, {
            catalog,
            source,
            topics: this.topics,
            runtimeTables: tables,
            projectRoot,
            logs,
            ...(serviceTable && { serviceTable }),
          }),
        ];
      }),
    );
    this.ingress = new IngressApi(this, 'Ingress', {
      catalog,
      topics: this.topics,
      idempotencyTable: tables.idempotency,
      projectRoot,
      logs,
      entry: props.ingressEntry,
    });
    this.queries = new QueryRoutes(this, 'Queries', {
      catalog,
      ingress: this.ingress,
      services: this.services,
      projectRoot,
      logs,
    });
    this.operations = new Operations(this, 'Operations', {
      topics: this.topics,
      runtimeTables: tables,
      tableKey,
      services: this.services,
      api: this.ingress.api,
      ...(props.operatorPrincipalArns?.length && {
        operatorPrincipal: new CompositePrincipal(
          ...props.operatorPrincipalArns.map((a) => new ArnPrincipal(a)),
        ),
      }),
    });
    // Last: every alarm defined above notifies it. An alarm added to the stack later must be attached
    // with `alarms.notifyAll(construct)`.
    this.alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail, removalPolicy });
    this.alarms.notifyAll(this);
    denyForeignGrants(this);

    this.addOutputs();
  }

  private addOutputs(): void {
    const output = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, { value, description });
    output(outputNames.ingressUrl, this.ingress.stage.url, 'Base URL of the HTTP ingress');
    output(outputNames.alarmTopic, this.alarms.topic.topicArn, 'SNS topic every Spine alarm notifies');
    for (const [topic, stream] of this.topics.all())
      output(outputNames.stream(topic), stream.streamName, `Kinesis stream of topic ${topic}`);
    for (const name of Object.keys(RUNTIME_TABLES) as RuntimeTable[])
      output(
        outputNames.runtimeTable(name),
        this.runtimeTables.tables[name].tableName,
        `Runtime table ${name}`,
      );
    for (const [service, construct] of this.services)
      for (const [table, t] of construct.tables)
        output(
          outputNames.stateTable(service, table),
          t.tableName,
          `State table ${table} of service ${service}`,
        );
    for (const [producer, role] of this.ingress.producerRoles.roles)
      output(outputNames.producerRole(producer), role.roleArn, `Role that producer ${producer} assumes`);
  }
}
