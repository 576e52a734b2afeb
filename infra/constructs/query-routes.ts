import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { type Catalog, CatalogError, type ServiceSpec } from '../../shared/catalog';
import { stateTableEnvVar } from '../../shared/config';
import { assertQueryRoutes, queryRoutes } from '../../shared/ingress';
import type { IngressApi } from './ingress-api';
import type { SpineLogs } from './logs';
import type { Service } from './service';
import { SpineFunction } from './spine-function';

export interface QueryRoutesProps {
  readonly catalog: Catalog;
  /** The HTTP API the routes join; its producer roles are allowed to call them. */
  readonly ingress: IngressApi;
  /** Service constructs by name, for their state tables. */
  readonly services: ReadonlyMap<string, Service>;
  /** Directory the catalog's `queries.entry` paths are relative to. */
  readonly projectRoot: string;
  /** The stack's log policy: each query function's log group takes its retention and key. */
  readonly logs: SpineLogs;
}

/**
 * The read side: for each service with `queries`, one Lambda that may only *read* that service's
 * tables, behind its routes on the ingress HTTP API with the IAM authorizer. Producer roles may call
 * them. A route that overlaps an ingress route, or a missing module, fails synth with `CatalogError`.
 */
export class QueryRoutes extends Construct {
  /** Query functions by service name. */
  public readonly functions: ReadonlyMap<string, SpineFunction>;

  constructor(scope: Construct, id: string, props: QueryRoutesProps) {
    super(scope, id);
    assertQueryRoutes(props.catalog);
    const missing = props.catalog.services.filter(
      (s) => s.queries && !existsSync(join(props.projectRoot, s.queries.entry)),
    );
    if (missing.length > 0)
      throw new CatalogError(
        missing.map((s) => ({
          path: `services[${s.name}].queries.entry`,
          message: `module "${s.queries?.entry}" does not exist under ${props.projectRoot}`,
        })),
      );
    this.functions = new Map(
      props.catalog.services.filter((s) => s.queries).map((s) => [s.name, this.serviceQueries(props, s)]),
    );
    this.allowProducers(props);
  }

  private serviceQueries(props: QueryRoutesProps, service: ServiceSpec): SpineFunction {
    const fn = new SpineFunction(this, `Queries-${service.name}`, {
      entry: join(props.projectRoot, service.queries?.entry ?? ''),
      projectRoot: props.projectRoot,
      description: `Spine queries: read-side routes of service ${service.name}`,
      logs: props.logs,
    });
    for (const [name, table] of props.services.get(service.name)?.tables ?? [])
      fn.bindTable(stateTableEnvVar(service.name, name), table, 'read');
    const integration = new HttpLambdaIntegration(`Queries-${service.name}`, fn.function);
    const authorizer = new HttpIamAuthorizer();
    for (const route of service.queries?.routes ?? [])
      props.ingress.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer,
      });
    return fn;
  }

  private allowProducers(props: QueryRoutesProps): void {
    const routes = queryRoutes(props.catalog).map((r) => ({
      ...r,
      invokePath: r.path.replace(/\{[^}]+\}/g, '*'),
    }));
    if (routes.length === 0) return;
    const { api, stage, producerRoles } = props.ingress;
    const arns = routes.map((r) => api.arnForExecuteApi(r.method, r.invokePath, stage.stageName));
    for (const role of producerRoles.roles.values())
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['execute-api:Invoke'], resources: arns }));
    // cdk-nag names each finding after the rendered ARN, so the acknowledgement must render it alike.
    const apiId = Stack.of(this).getLogicalId(api.node.defaultChild as CfnElement);
    for (const r of routes.filter((r) => r.invokePath.includes('*')))
      Validations.of(producerRoles).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${stage.stageName}/${r.method}${r.invokePath}]`,
        reason: `The * stands for the path parameters of ${r.method} ${r.path}, a read-only query route.`,
      });
  }
}
