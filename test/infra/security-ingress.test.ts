import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnDomainName, type CfnStage, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import type { CfnKey } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { IngressApi, type IngressApiProps } from '../../infra/constructs/ingress-api';
import { SpineLogs } from '../../infra/constructs/logs';
import { DEFAULT_ROUTE_THROTTLES } from '../../infra/constructs/route-throttling';
import { RuntimeTables } from '../../infra/constructs/runtime-tables';
import { Topics } from '../../infra/constructs/topics';
import { PROJECT_ROOT, type SpineStack } from '../../infra/spine-stack';
import type { Catalog } from '../../shared/catalog';
import { INGRESS_ROUTES, queryRoutes, routeKey } from '../../shared/ingress';
import { contrastCatalog, FIXTURE_HANDLER, projectCatalog } from '../fixtures/infra/catalogs';
import { securityCatalog } from '../fixtures/infra/security-catalog';
import { encryptionFindings, routeAuthFindings, throttleFindings, tlsFindings } from './security/ingress';
import { propOf, resourcesOf, type TemplateJson, templateJson } from './security/template';
import { buildStack, testApp } from './synth';

const json = (stack: Stack): TemplateJson => templateJson(Template.fromStack(stack).toJSON());
const ingressFindings = (t: TemplateJson) => [
  ...routeAuthFindings(t),
  ...throttleFindings(t),
  ...tlsFindings(t),
  ...encryptionFindings(t),
];

describe.each([
  ['the project catalog', projectCatalog],
  ['a contrasting catalog', contrastCatalog],
  ['the security catalog', securityCatalog],
])('Deployed ingress security from %s', (_name, makeCatalog: () => Catalog) => {
  let catalog: Catalog;
  let t: TemplateJson;
  beforeAll(() => {
    catalog = makeCatalog();
    t = json(buildStack(catalog));
  });

  it('authorizes every route but GET /health, query routes included', () => {
    const keys = resourcesOf(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => propOf(r, 'RouteKey'));
    expect(keys.sort()).toEqual(
      [...INGRESS_ROUTES.map(routeKey), ...queryRoutes(catalog).map(routeKey)].sort(),
    );
    expect(routeAuthFindings(t)).toEqual([]);
  });

  it('throttles every route, per route where set and by the stage default elsewhere', () => {
    expect(throttleFindings(t)).toEqual([]);
    const [[, stage] = []] = resourcesOf(t, 'AWS::ApiGatewayV2::Stage');
    const settings = propOf(stage, 'RouteSettings');
    expect(settings).toEqual(
      Object.fromEntries(
        Object.entries(DEFAULT_ROUTE_THROTTLES).map(([key, l]) => [
          key,
          { ThrottlingRateLimit: l.rateLimit, ThrottlingBurstLimit: l.burstLimit },
        ]),
      ),
    );
  });

  it('serves HTTPS only and sets up no custom domain below TLS 1.2', () => {
    expect(tlsFindings(t)).toEqual([]);
    expect(resourcesOf(t, 'AWS::ApiGatewayV2::Api').map(([, r]) => propOf(r, 'ProtocolType'))).toEqual([
      'HTTP',
    ]);
  });

  it('encrypts every stream and table with a rotating customer-managed key', () => {
    expect(encryptionFindings(t)).toEqual([]);
    expect(resourcesOf(t, 'AWS::Kinesis::Stream')).toHaveLength(catalog.topics.length);
  });
});

describe('Ingress security checks on a weakened stack', () => {
  const catalog = securityCatalog();
  const integration = (s: SpineStack) => new HttpLambdaIntegration('Extra', s.ingress.handler.function);
  const stage = (s: SpineStack) => s.ingress.stage.node.defaultChild as CfnStage;

  let clean: TemplateJson;
  beforeAll(() => {
    clean = json(buildStack(catalog));
  });

  it('reports nothing before the stack is weakened', () => {
    expect(ingressFindings(clean)).toEqual([]);
  });

  it.each<[string, (s: SpineStack) => void, string]>([
    [
      'a route without an authorizer',
      (s) =>
        s.ingress.api.addRoutes({ path: '/open', methods: [HttpMethod.GET], integration: integration(s) }),
      'route GET /open',
    ],
    [
      'a stage without default route throttling',
      (s) => stage(s).addPropertyDeletionOverride('DefaultRouteSettings'),
      'does not throttle route GET /carts/{cartId}',
    ],
    [
      'a route whose own throttle is zero',
      (s) => stage(s).addPropertyOverride('RouteSettings.GET /health.ThrottlingRateLimit', 0),
      'does not throttle route GET /health',
    ],
    [
      'route settings for a route that does not exist',
      (s) =>
        stage(s).addPropertyOverride('RouteSettings.GET /nope', {
          ThrottlingRateLimit: 1,
          ThrottlingBurstLimit: 1,
        }),
      'RouteSettings for unknown route GET /nope',
    ],
    [
      'a custom domain that allows TLS 1.0',
      (s) =>
        new CfnDomainName(s, 'Domain', {
          domainName: 'events.example.com',
          domainNameConfigurations: [
            { certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x', securityPolicy: 'TLS_1_0' },
          ],
        }),
      'allows TLS_1_0',
    ],
    [
      'a stream on the AWS-managed Kinesis key',
      (s) => new Stream(s, 'Plain', { encryption: StreamEncryption.MANAGED }),
      'is not a customer-managed key of this stack',
    ],
    [
      'a key whose rotation is off',
      (s) => {
        (s.topics.key.node.defaultChild as CfnKey).enableKeyRotation = false;
      },
      'whose rotation is off',
    ],
    [
      'a table on the AWS-owned key',
      (s) => new Table(s, 'Plain', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
      'is not encrypted with a KMS key',
    ],
  ])('reports %s', (_name, weaken, expected) => {
    // Prepare
    const s = buildStack(catalog);
    // Act
    weaken(s);
    const findings = ingressFindings(json(s));
    // Assess
    expect(
      findings.some((f) => f.includes(expected)),
      findings.join('\n'),
    ).toBe(true);
  });
});

describe('IngressApi throttling props', () => {
  const ingress = (props: Partial<Omit<IngressApiProps, 'logs'>>) => {
    // No built-in CloudFormation validation: see buildStack in ./synth.
    const app = testApp();
    const stack = new Stack(app, 'Props');
    const catalog = contrastCatalog();
    const topics = new Topics(stack, 'Topics', { catalog });
    const idempotencyTable = new RuntimeTables(stack, 'Tables').tables.idempotency;
    new IngressApi(stack, 'Ingress', {
      catalog,
      topics,
      idempotencyTable,
      projectRoot: PROJECT_ROOT,
      entry: FIXTURE_HANDLER,
      logs: new SpineLogs(stack, 'Logs'),
      ...props,
    });
    return json(stack);
  };

  it('takes per-route limits and keeps the stage default for the other routes', () => {
    const t = ingress({
      routeThrottles: { 'GET /health': { rateLimit: 1, burstLimit: 2 } },
      throttleRateLimit: 7,
    });
    const [[, stage] = []] = resourcesOf(t, 'AWS::ApiGatewayV2::Stage');
    expect(propOf(stage, 'RouteSettings')).toEqual({
      'GET /health': { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 },
    });
    expect(propOf(stage, 'DefaultRouteSettings')).toMatchObject({ ThrottlingRateLimit: 7 });
    expect(throttleFindings(t)).toEqual([]);
  });

  it.each<[string, Partial<IngressApiProps>, RegExp]>([
    [
      'an unknown route key',
      { routeThrottles: { 'GET /nope': { rateLimit: 1, burstLimit: 1 } } },
      /no route "GET \/nope"/,
    ],
    [
      'a zero burst',
      { routeThrottles: { 'GET /health': { rateLimit: 1, burstLimit: 0 } } },
      /burstLimit must be a positive integer/,
    ],
    ['a negative stage rate', { throttleRateLimit: -1 }, /rateLimit must be a positive number/],
  ])('fails at synth on %s', (_name, props, message) => {
    expect(() => ingress(props)).toThrow(message);
  });
});
