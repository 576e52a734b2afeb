import { asArray, isRecord, propOf, referencedId, render, resourcesOf, type TemplateJson } from './template';

/** Routes that are open by design. Everything else must carry an authorizer. */
export const OPEN_ROUTES: readonly string[] = ['GET /health'];

const AUTHORIZED = new Set(['AWS_IAM', 'JWT', 'CUSTOM']);

/** Every `AWS::ApiGatewayV2::Route` (query routes included) carries an authorizer unless it is in `open`. */
export const routeAuthFindings = (t: TemplateJson, open: readonly string[] = OPEN_ROUTES): string[] =>
  resourcesOf(t, 'AWS::ApiGatewayV2::Route').flatMap(([id, r]) => {
    const key = String(propOf(r, 'RouteKey'));
    const type = String(propOf(r, 'AuthorizationType') ?? 'NONE');
    if (open.includes(key)) return [];
    if (!AUTHORIZED.has(type)) return [`route ${key} (${id}) has no authorizer (AuthorizationType ${type})`];
    if (type !== 'AWS_IAM' && propOf(r, 'AuthorizerId') === undefined)
      return [`route ${key} (${id}) is ${type} without an AuthorizerId`];
    return [];
  });

const limitsOf = (v: unknown): { rate: unknown; burst: unknown } =>
  isRecord(v)
    ? { rate: v.ThrottlingRateLimit, burst: v.ThrottlingBurstLimit }
    : { rate: undefined, burst: undefined };

const positive = (n: unknown): boolean => typeof n === 'number' && n > 0;

/**
 * Every HTTP API has a stage; on each stage every route has a positive rate and burst limit (its own
 * `RouteSettings` entry, else the stage's `DefaultRouteSettings`); `RouteSettings` name only existing
 * routes, and the stage depends on them (API Gateway rejects settings for a route it does not know yet).
 */
export const throttleFindings = (t: TemplateJson): string[] => {
  const findings: string[] = [];
  const stages = resourcesOf(t, 'AWS::ApiGatewayV2::Stage');
  for (const [apiId] of resourcesOf(t, 'AWS::ApiGatewayV2::Api')) {
    const routes = resourcesOf(t, 'AWS::ApiGatewayV2::Route').filter(
      ([, r]) => referencedId(t, propOf(r, 'ApiId')) === apiId,
    );
    const own = stages.filter(([, s]) => referencedId(t, propOf(s, 'ApiId')) === apiId);
    if (own.length === 0) findings.push(`API ${apiId} has no stage to throttle`);
    for (const [stageId, stage] of own) {
      const settings = propOf(stage, 'RouteSettings');
      const perRoute = isRecord(settings) ? settings : {};
      const fallback = limitsOf(propOf(stage, 'DefaultRouteSettings'));
      for (const [, route] of routes) {
        const key = String(propOf(route, 'RouteKey'));
        const { rate, burst } = key in perRoute ? limitsOf(perRoute[key]) : fallback;
        if (!positive(rate) || !positive(burst))
          findings.push(`stage ${stageId} does not throttle route ${key} (rate ${rate}, burst ${burst})`);
      }
      const dependsOn = asArray(stage.DependsOn).map(String);
      for (const key of Object.keys(perRoute)) {
        const route = routes.find(([, r]) => propOf(r, 'RouteKey') === key);
        if (!route) findings.push(`stage ${stageId} has RouteSettings for unknown route ${key}`);
        else if (!dependsOn.includes(route[0]))
          findings.push(`stage ${stageId} does not depend on route ${key}, whose settings it holds`);
      }
    }
  }
  return findings;
};

const TLS_1_2_OR_NEWER = /^(TLS_1_2|SecurityPolicy_TLS1[23]_)/;

/**
 * TLS only: HTTP and WebSocket APIs serve HTTPS/WSS only, so the checks are that every API is one of
 * those and that any custom domain (v1 or v2) refuses TLS below 1.2.
 */
export const tlsFindings = (t: TemplateJson): string[] => [
  ...resourcesOf(t, 'AWS::ApiGatewayV2::Api')
    .filter(([, r]) => !['HTTP', 'WEBSOCKET'].includes(String(propOf(r, 'ProtocolType'))))
    .map(([id, r]) => `API ${id} has protocol ${render(propOf(r, 'ProtocolType'))}`),
  ...resourcesOf(t, 'AWS::ApiGatewayV2::DomainName').flatMap(([id, r]) => {
    const configs = asArray(propOf(r, 'DomainNameConfigurations')).filter(isRecord);
    return (configs.length === 0 ? [{}] : configs)
      .filter((c) => !TLS_1_2_OR_NEWER.test(String(c.SecurityPolicy ?? 'TLS_1_0')))
      .map((c) => `domain ${id} allows ${String(c.SecurityPolicy ?? 'the default TLS policy')}`);
  }),
  ...resourcesOf(t, 'AWS::ApiGateway::DomainName')
    .filter(([, r]) => !TLS_1_2_OR_NEWER.test(String(propOf(r, 'SecurityPolicy') ?? 'TLS_1_0')))
    .map(([id]) => `domain ${id} allows TLS below 1.2`),
];

/** `ref` names a customer-managed key of this template with rotation on; else says why not. */
const keyProblem = (t: TemplateJson, ref: unknown): string | undefined => {
  const id = referencedId(t, ref);
  const key = id ? t.Resources?.[id] : undefined;
  if (key?.Type !== 'AWS::KMS::Key') return `is not a customer-managed key of this stack (${render(ref)})`;
  return propOf(key, 'EnableKeyRotation') === true ? undefined : `uses key ${id}, whose rotation is off`;
};

/** Every stream and table is encrypted with a customer-managed key of this stack that rotates. */
export const encryptionFindings = (t: TemplateJson): string[] => [
  ...resourcesOf(t, 'AWS::Kinesis::Stream').flatMap(([id, r]) => {
    if (propOf(r, 'StreamEncryption', 'EncryptionType') !== 'KMS')
      return [`stream ${id} is not KMS-encrypted`];
    const problem = keyProblem(t, propOf(r, 'StreamEncryption', 'KeyId'));
    return problem ? [`stream ${id} ${problem}`] : [];
  }),
  ...resourcesOf(t, 'AWS::DynamoDB::Table').flatMap(([id, r]) => {
    if (
      propOf(r, 'SSESpecification', 'SSEEnabled') !== true ||
      propOf(r, 'SSESpecification', 'SSEType') !== 'KMS'
    )
      return [`table ${id} is not encrypted with a KMS key`];
    const problem = keyProblem(t, propOf(r, 'SSESpecification', 'KMSMasterKeyId'));
    return problem ? [`table ${id} ${problem}`] : [];
  }),
];
