import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Catalog } from '../shared/catalog';
import { RUNTIME_TABLES, type RuntimeTable } from '../shared/config';
import { assertDeployable } from './catalog-checks';
import { IngressApi } from './constructs/ingress-api';
import { Operations } from './constructs/ops';
import { QueryRoutes } from './constructs/query-routes';
import { RuntimeTables } from './constructs/runtime-tables';
import { Service } from './constructs/service';
import { Topics } from './constructs/topics';
import { outputNames } from './output-names';

/** The repository root: catalog entry paths and `package-lock.json` are relative to it. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface SpineStackProps extends StackProps {
  /** Everything the stack creates is derived from this catalog. */
  readonly catalog: Catalog;
  /** Directory that catalog entries and `package-lock.json` are relative to. @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /** The ingress handler module, relative to `projectRoot`. @default 'functions/ingress.ts' */
  readonly ingressEntry?: string;
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
  public readonly ingress: IngressApi;
  public readonly operations: Operations;
  public readonly queries: QueryRoutes;

  constructor(scope: Construct, id: string, props: SpineStackProps) {
    super(scope, id, props);
    const { catalog } = props;
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    assertDeployable(catalog, projectRoot);

    this.topics = new Topics(this, 'Topics', { catalog });
    this.runtimeTables = new RuntimeTables(this, 'RuntimeTables');
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
        }),
      ]),
    );
    this.ingress = new IngressApi(this, 'Ingress', {
      catalog,
      topics: this.topics,
      idempotencyTable: tables.idempotency,
      projectRoot,
      entry: props.ingressEntry,
    });
    this.queries = new QueryRoutes(this, 'Queries', {
      catalog,
      ingress: this.ingress,
      services: this.services,
      projectRoot,
    });
    this.operations = new Operations(this, 'Operations', {
      topics: this.topics,
      runtimeTables: tables,
      tableKey,
      services: this.services,
      api: this.ingress.api,
    });

    this.addOutputs();
  }

  private addOutputs(): void {
    const output = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, { value, description });
    output(outputNames.ingressUrl, this.ingress.stage.url, 'Base URL of the HTTP ingress');
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
