import type { CfnStage, HttpRoute, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';

/** API Gateway token bucket: steady requests per second, and how many may arrive at once above it. */
export interface ThrottleLimits {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * Per-route limits of the ingress routes, by route key. On an HTTP API the stage's default route
 * settings apply to *each* route on its own; these override them. The open `GET /health` gets the
 * tightest: it is unauthenticated and each call costs two control-plane reads (DescribeStreamSummary
 * allows 20/s per account, shared with everything else). Metadata routes are read at startup by
 * producers, not per event. Query routes added later run on the stage default.
 */
export const DEFAULT_ROUTE_THROTTLES: Readonly<Record<string, ThrottleLimits>> = {
  'POST /topics/{topic}/events': { rateLimit: 500, burstLimit: 1000 },
  'GET /topics': { rateLimit: 20, burstLimit: 40 },
  'GET /schemas/{type}': { rateLimit: 50, burstLimit: 100 },
  'GET /schemas/{type}/{version}': { rateLimit: 50, burstLimit: 100 },
  'GET /health': { rateLimit: 10, burstLimit: 20 },
};

/** Throws a clear synth-time error for limits API Gateway would refuse or that throttle everything. */
export const assertThrottle = (what: string, limits: ThrottleLimits): void => {
  if (!(Number.isFinite(limits.rateLimit) && limits.rateLimit > 0))
    throw new Error(
      `${what}: rateLimit must be a positive number of requests per second, got ${limits.rateLimit}`,
    );
  if (!(Number.isInteger(limits.burstLimit) && limits.burstLimit >= 1))
    throw new Error(`${what}: burstLimit must be a positive integer, got ${limits.burstLimit}`);
};

/**
 * Writes `RouteSettings` on the stage (the L2 stage has no per-route throttling) and makes the stage
 * depend on those routes: API Gateway refuses settings for a route key that does not exist yet.
 */
export const throttleRoutes = (
  stage: HttpStage,
  routes: ReadonlyMap<string, HttpRoute>,
  throttles: Readonly<Record<string, ThrottleLimits>>,
): void => {
  const settings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
  for (const [key, limits] of Object.entries(throttles)) {
    const route = routes.get(key);
    if (!route)
      throw new Error(
        `routeThrottles: no route "${key}"; known routes: ${[...routes.keys()].sort().join(', ')}`,
      );
    assertThrottle(`routeThrottles["${key}"]`, limits);
    settings[key] = { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit };
    stage.node.addDependency(route);
  }
  (stage.node.defaultChild as CfnStage).routeSettings = settings;
};
