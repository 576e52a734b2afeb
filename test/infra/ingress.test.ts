import { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { IngressApi } from '../../infra/constructs/ingress-api';
import { SpineLogs } from '../../infra/constructs/logs';
import { RuntimeTables } from '../../infra/constructs/runtime-tables';
import { Topics } from '../../infra/constructs/topics';
import { PROJECT_ROOT, type SpineStack } from '../../infra/spine-stack';
import type { Catalog } from '../../shared/catalog';
import { PRODUCER_PRINCIPALS_ENV, RUNTIME_TABLE_ENV, streamEnvVar } from '../../shared/config';
import { INGRESS_ROUTES, routeKey } from '../../shared/ingress';
import { contrastCatalog, FIXTURE_HANDLER } from '../fixtures/infra/catalogs';
import { actionsOf, logicalId, roleStatements, synth, testApp } from './synth';

describe('IngressApi', () => {
  let catalog: Catalog;
  let stack: SpineStack;
  let template: Template;
  beforeAll(() => {
    catalog = contrastCatalog();
    ({ stack, template } = synth(catalog));
  });

  const handlerEnv = (): Record<string, unknown> =>
    template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.ingress.handler.function)]
      ?.Properties.Environment.Variables ?? {};

  it('creates exactly the routes of INGRESS_ROUTES, IAM-authorized except the open ones', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(INGRESS_ROUTES.map(routeKey).sort());
    for (const route of INGRESS_ROUTES) {
      const found = routes.find((r) => r.RouteKey === routeKey(route));
      expect(found?.AuthorizationType).toBe(route.auth === 'producer' ? 'AWS_IAM' : 'NONE');
    }
    expect(routes.find((r) => r.RouteKey === 'GET /health')?.AuthorizationType).toBe('NONE');
  });

  it('sends every route to the one ingress function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack, stack.ingress.handler.function), 'Arn'] },
    });
  });

  it('throttles the $default stage and writes access logs to a retained-for-a-month log group', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack, stack.ingress.accessLogs), 'Arn'] },
        Format: Match.stringLikeRegexp('requestId'),
      },
    });
  });

  it('names the access log group under /aws/vendedlogs/, so stages add nothing to the shared log policy', () => {
    // Assess: the group the stage logs to is a vended-logs group of this stack
    const group = template.findResources('AWS::Logs::LogGroup')[logicalId(stack, stack.ingress.accessLogs)];
    expect(group?.Properties.LogGroupName).toBe(`/aws/vendedlogs/spine/${stack.stackName}/ingress-access`);
  });

  it('refuses an access log group name outside /aws/vendedlogs/ at synth time', () => {
    // Prepare
    const app = testApp();
    const other = new Stack(app, 'Other');
    const topics = new Topics(other, 'Topics', { catalog });
    const tables = new RuntimeTables(other, 'Tables');
    // Act / Assess
    expect(
      () =>
        new IngressApi(other, 'Ingress', {
          catalog,
          topics,
          idempotencyTable: tables.tables.idempotency,
          projectRoot: PROJECT_ROOT,
          entry: FIXTURE_HANDLER,
          logs: new SpineLogs(other, 'Logs'),
          accessLogGroupName: '/spine/ingress-access',
        }),
    ).toThrow(/must start with \/aws\/vendedlogs\//);
  });

  it('creates one role per producer that may invoke the producer routes only', () => {
    expect([...stack.ingress.producerRoles.roles.keys()].sort()).toEqual(
      catalog.producers.map((p) => p.name).sort(),
    );
    for (const role of stack.ingress.producerRoles.roles.values()) {
      const statements = roleStatements(template, logicalId(stack, role));
      expect(statements.flatMap(actionsOf)).toEqual(['execute-api:Invoke']);
      const paths = JSON.stringify(statements.map((s) => s.Resource));
      for (const route of INGRESS_ROUTES) {
        const path = `/$default/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}"`;
        if (route.auth === 'producer') expect(paths).toContain(path);
        else expect(paths).not.toContain(path);
      }
    }
  });

  it('passes the role-name-to-producer map as JSON', () => {
    const expected = Stack.of(stack).resolve(
      Stack.of(stack).toJsonString(
        Object.fromEntries([...stack.ingress.producerRoles.roles].map(([p, r]) => [r.roleName, p])),
      ),
    );
    expect(handlerEnv()[PRODUCER_PRINCIPALS_ENV]).toEqual(expected);
    const rendered = JSON.stringify(expected);
    for (const [producer, role] of stack.ingress.producerRoles.roles) {
      expect(rendered).toContain(logicalId(stack, role));
      expect(rendered).toContain(producer);
    }
  });

  it('knows every stream but may write only those with producer-written event types', () => {
    const env = handlerEnv();
    for (const topic of catalog.topics)
      expect(env[streamEnvVar(topic.name)]).toEqual({
        Ref: logicalId(stack, stack.topics.stream(topic.name)),
      });
    const producers = new Set(catalog.producers.map((p) => p.name));
    const expected = catalog.topics
      .filter((t) => catalog.eventTypes.some((e) => e.topic === t.name && producers.has(e.writer)))
      .map((t) => JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.topics.stream(t.name)), 'Arn'] }));
    const writable = roleStatements(template, logicalId(stack, stack.ingress.handler.role))
      .filter((s) => actionsOf(s).includes('kinesis:PutRecords'))
      .map((s) => JSON.stringify(s.Resource));
    expect(writable.sort()).toEqual(expected.sort());
    expect(expected.length).toBeLessThan(catalog.topics.length);
  });

  it('may read and write the idempotency table and no other table', () => {
    expect(handlerEnv()[RUNTIME_TABLE_ENV.idempotency]).toEqual({
      Ref: logicalId(stack, stack.runtimeTables.tables.idempotency),
    });
    const tables = roleStatements(template, logicalId(stack, stack.ingress.handler.role)).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    const idempotencyArn = {
      'Fn::GetAtt': [logicalId(stack, stack.runtimeTables.tables.idempotency), 'Arn'],
    };
    // The table's item actions, and PartiQLInsert for claims sent 25 per BatchExecuteStatement.
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.map((s) => s.Resource)).toEqual(tables.map(() => idempotencyArn));
    expect(tables.flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:PartiQLInsert']),
    );
  });
});
