import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Catalog } from '../../shared/catalog';
import { PRODUCER_PRINCIPALS_ENV, RUNTIME_TABLE_ENV } from '../../shared/config';
import { INGRESS_ROUTES, routeKey } from '../../shared/ingress';
import { GUARD } from './guard';
import type { SpineLogs } from './logs';
import { ProducerRoles } from './producer-roles';
import {
  assertThrottle,
  DEFAULT_ROUTE_THROTTLES,
  type ThrottleLimits,
  throttleRoutes,
} from './route-throttling';
import { SpineFunction } from './spine-function';
import type { Topics } from './topics';

/** Log groups under this prefix take vended logs without a resource-policy entry of their own. */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/';

export interface IngressApiProps {
  readonly catalog: Catalog;
  readonly topics: Topics;
  readonly idempotencyTable: Table;
  /** Directory holding the project's `package-lock.json`. */
  readonly projectRoot: string;
  /** Module whose `handler` serves every route, relative to `projectRoot`. @default 'functions/ingress.ts' */
  readonly entry?: string;
  /** Steady-state requests per second across all callers of the stage. @default 500 */
  readonly throttleRateLimit?: number;
  /** Requests allowed in a burst above the rate. @default 1000 */
  readonly throttleBurstLimit?: number;
  /**
   * Per-route limits by route key (`'GET /health'`), overriding the stage's for those ingress routes.
   * @default DEFAULT_ROUTE_THROTTLES
   */
  readonly routeThrottles?: Readonly<Record<string, ThrottleLimits>>;
  /** The stack's log policy: the handler's and the access log groups take its retention and key. */
  readonly logs: SpineLogs;
  /**
   * Name of the access log group. It must start with `/aws/vendedlogs/`: API Gateway delivers access
   * logs as a vended log, and for any other name each stage adds its log group's ARN to the account's
   * one shared CloudWatch Logs resource policy (5,120 characters), until a later deploy of any stack
   * fails with "Cannot enable logging. Policy document length breaking Cloudwatch Logs Constraints".
   * @default `/aws/vendedlogs/spine/<stack name>/ingress-access`
   */
  readonly accessLogGroupName?: string;
}

/**
 * The HTTP ingress: an HTTP API with exactly the routes of `INGRESS_ROUTES` on one Lambda, IAM auth on
 * producer routes, stage throttling and access logs, and one IAM role per catalog producer.
 */
export class IngressApi extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly handler: SpineFunction;
  public readonly producerRoles: ProducerRoles;
  public readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: IngressApiProps) {
    super(scope, id);
    const { catalog, topics } = props;
    this.handler = new SpineFunction(this, 'Handler', {
      entry: `${props.projectRoot}/${props.entry ?? 'functions/ingress.ts'}`,
      projectRoot: props.projectRoot,
      catalog,
      description: 'Spine ingress: validates events and writes them to their topic streams',
      logs: props.logs,
    });
    const producers = new Set(catalog.producers.map((p) => p.name));
    const written: string[] = [];
    for (const [topic, stream] of topics.all()) {
      const producerWritten = catalog.eventTypes.some((e) => e.topic === topic && producers.has(e.writer));
      if (producerWritten) written.push(topic);
      if (producerWritten) this.handler.bindStreamWrite(topic, stream);
      else this.handler.bindStreamName(topic, stream);
    }
    this.handler.bindTable(RUNTIME_TABLE_ENV.idempotency, props.idempotencyTable, 'readWrite');
    // New idempotency claims go 25 per BatchExecuteStatement as PartiQL INSERTs, which IAM authorises as
    // PartiQLInsert, not PutItem (shared/ingress/idempotency-dynamo-batch.ts). Without it every batch is
    // refused and each key falls back to its own PutItem: still correct, at one SDK call per key.
    this.handler.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:PartiQLInsert'],
        resources: [props.idempotencyTable.tableArn],
      }),
    );
    this.grantHealthProbe(topics, written);

    // Our own $default stage: the one HttpApi creates cannot take throttling or access logs.
    this.api = new HttpApi(this, 'Api', { createDefaultStage: false, description: 'Spine ingress' });
    const accessLogGroupName =
      props.accessLogGroupName ?? `${VENDED_LOGS_PREFIX}spine/${Stack.of(this).stackName}/ingress-access`;
    if (!accessLogGroupName.startsWith(VENDED_LOGS_PREFIX))
      throw new Error(
        `accessLogGroupName must start with ${VENDED_LOGS_PREFIX} (got ${accessLogGroupName}): other names grow the account's shared log resource policy until deploys fail`,
      );
    this.accessLogs = props.logs.logGroup(this, 'AccessLogs', { logGroupName: accessLogGroupName });
    const throttle = {
      rateLimit: props.throttleRateLimit ?? 500,
      burstLimit: props.throttleBurstLimit ?? 1000,
    };
    assertThrottle('throttleRateLimit/throttleBurstLimit', throttle);
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const integration = new HttpLambdaIntegration('Ingress', this.handler.function);
    const authorizer = new HttpIamAuthorizer();
    const created = new Map<string, HttpRoute>();
    for (const route of INGRESS_ROUTES) {
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: route.auth === 'producer' ? authorizer : undefined,
      });
      if (added) created.set(routeKey(route), added);
      if (added && route.auth === 'none')
        Validations.of(added).acknowledge(
          {
            id: 'AwsSolutions-APIG4',
            reason: `${route.path} is open by design (load balancer and uptime checks); it reads no data.`,
          },
          {
            id: `${GUARD}api_gw_v2_authorization_type_configured_check`,
            reason: `${route.path} is open by design (load balancer and uptime checks); it reads no data.`,
          },
        );
    }

    // Each route's invoke permission names this API's execute-api ARN as SourceArn, built with Fn::Join,
    // which the Guard rule cannot read (it accepts literal strings and plain references only).
    Validations.of(this.api).acknowledge({
      id: `${GUARD}lambda_function_public_access_prohibited_check`,
      reason:
        'API Gateway may invoke only with SourceArn = this API (arn:...:execute-api:<region>:<account>:<api>/*/<route>).',
    });

    throttleRoutes(this.stage, created, props.routeThrottles ?? DEFAULT_ROUTE_THROTTLES);

    this.producerRoles = this.createProducerRoles(catalog);
    this.handler.function.addEnvironment(
      PRODUCER_PRINCIPALS_ENV,
      Stack.of(this).toJsonString(this.producerRoles.principals()),
    );
  }

  /**
   * DescribeStreamSummary (metadata, not data) on the first topic's stream and on every stream the
   * ingress writes (`searched`): `GET /health` probes the first topic's
   * (and the idempotency table with DescribeTable, granted by `bindTable`; without them it answers 503 on
   * AWS), and a log search that starts over 24 h back reads the stream's current retention, so a lowered
   * one is never taken for "absent" (shared/ingress/retention.ts); without it such a search fails and the
   * retry is answered 503.
   */
  private grantHealthProbe(topics: Topics, searched: readonly string[]): void {
    const all = topics.all();
    const arns = all.filter(([topic], i) => i === 0 || searched.includes(topic)).map(([, s]) => s.streamArn);
    if (arns.length > 0)
      this.handler.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['kinesis:DescribeStreamSummary'], resources: arns }),
      );
  }

  private createProducerRoles(catalog: Catalog): ProducerRoles {
    // Path parameters become `*`: a producer may call a route for any topic or type; which topics it
    // may write is enforced by the ingress against the catalog's single-writer rules.
    const routes = INGRESS_ROUTES.filter((r) => r.auth === 'producer').map((r) => ({
      ...r,
      invokePath: r.path.replace(/\{[^}]+\}/g, '*'),
    }));
    const stageName = this.stage.stageName;
    const roles = new ProducerRoles(this, 'Producers', {
      catalog,
      invokeArns: routes.map((r) => this.api.arnForExecuteApi(r.method, r.invokePath, stageName)),
    });
    // cdk-nag names each finding after the rendered ARN, so the acknowledgement must render it alike.
    const apiId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
    for (const r of routes.filter((r) => r.invokePath.includes('*')))
      Validations.of(roles).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${stageName}/${r.method}${r.invokePath}]`,
        reason: `The * stands for the path parameters of ${r.method} ${r.path}, not for other APIs or stages.`,
      });
    return roles;
  }
}
