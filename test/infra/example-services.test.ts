import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../example/catalog';
import type { SpineStack } from '../../infra/spine-stack';
import { defineCatalog, isCatalogError } from '../../shared/catalog';
import { stateTableEnvVar } from '../../shared/config';
import { actionsOf, buildStack, logicalId, roleStatements, synth } from './synth';

const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

describe('SpineStack for the example catalog', () => {
  let stack: SpineStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synth(catalog));
  });

  it.each(catalog.services.map((s) => [s.name, s] as const))(
    'gives service %s a mapping per subscription and its own state tables',
    (name, service) => {
      const construct = stack.services.get(name);
      for (const sub of service.subscriptions) {
        const fn = construct?.consumers.get(sub.topic);
        expect(fn, `${name} consumer of ${sub.topic}`).toBeDefined();
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: logicalId(stack, fn?.function ?? stack) },
          EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.topics.stream(sub.topic)), 'Arn'] },
          BatchSize: sub.batchSize,
          MaximumBatchingWindowInSeconds: sub.batchingWindowSeconds,
          // The mapping never gives up on its own: the runtime parks after `retry.maxAttempts`.
          MaximumRetryAttempts: -1,
          MaximumRecordAgeInSeconds: -1,
        });
      }
      expect([...(construct?.tables.keys() ?? [])]).toEqual(service.tables.map((t) => t.name));
      const functions = template.findResources('AWS::Lambda::Function');
      const tables = template.findResources('AWS::DynamoDB::Table');
      for (const [table, resource] of construct?.tables ?? []) {
        expect(tables[logicalId(stack, resource)], `${name}/${table}`).toBeDefined();
        // Every consumer of the service knows (and may write) each of its tables.
        for (const fn of construct?.consumers.values() ?? [])
          expect(functions[logicalId(stack, fn.function)]?.Properties.Environment.Variables).toMatchObject({
            [stateTableEnvVar(name, table)]: { Ref: logicalId(stack, resource) },
          });
      }
    },
  );

  it('creates exactly the 13 consumers, 1 CDC stream mapping and 6 topics the example declares', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 14);
    template.resourceCountIs('AWS::Kinesis::Stream', 6);
  });

  it('serves each query route from its service query function with IAM auth', () => {
    for (const service of catalog.services.filter((s) => s.queries)) {
      const fn = stack.queries.functions.get(service.name);
      expect(fn, service.name).toBeDefined();
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: { IntegrationUri: { 'Fn::GetAtt': [logicalId(stack, fn?.function ?? stack), 'Arn'] } },
      });
      expect(Object.keys(integrations)).toHaveLength(1);
      for (const route of service.queries?.routes ?? [])
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: `${route.method} ${route.path}`,
          AuthorizationType: 'AWS_IAM',
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: Object.keys(integrations)[0] }]] },
        });
    }
    expect(stack.queries.functions.size).toBe(3);
  });

  it('lets a query function only read, and only its own service tables', () => {
    for (const [service, fn] of stack.queries.functions) {
      const statements = roleStatements(template, logicalId(stack, fn.role));
      const tableStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
      const own = [...(stack.services.get(service)?.tables.values() ?? [])].map((t) => logicalId(stack, t));
      const resources = tableStatements.flatMap((s) => JSON.stringify(s.Resource));

      expect(tableStatements.flatMap(actionsOf).filter((a) => WRITE_ACTIONS.includes(a))).toEqual([]);
      expect(tableStatements).toHaveLength(own.length);
      for (const id of own)
        expect(
          resources.some((r) => r.includes(id)),
          `${service} reads ${id}`,
        ).toBe(true);
    }
  });

  it('allows every producer role to call the query routes', () => {
    for (const role of stack.ingress.producerRoles.roles.values()) {
      const invokes = roleStatements(template, logicalId(stack, role))
        .filter((s) => actionsOf(s).includes('execute-api:Invoke'))
        .map((s) => JSON.stringify(s.Resource));
      for (const path of ['/GET/orders/*', '/GET/rates/*', '/GET/stats/orders'])
        expect(
          invokes.some((r) => r.includes(path)),
          path,
        ).toBe(true);
    }
  });

  it('fails synth when a query route overlaps an ingress route', () => {
    const { __validated: _v, ...spec } = catalog;
    const clashing = defineCatalog({
      ...spec,
      services: spec.services.map((s) =>
        s.name === 'orders'
          ? {
              ...s,
              queries: { entry: 'example/queries/orders.ts', routes: [{ method: 'GET', path: '/topics' }] },
            }
          : s,
      ),
    });

    let error: unknown;
    try {
      buildStack(clashing);
    } catch (e) {
      error = e;
    }

    expect(isCatalogError(error)).toBe(true);
    expect(String(error)).toContain('overlaps the ingress route "GET /topics"');
  });
});
