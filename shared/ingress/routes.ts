/**
 * The HTTP API's routes. The CDK app creates exactly these (with the IAM authorizer where `auth` is
 * `producer`), and local mode matches requests against them to build the same payload v2 event
 * (`routeKey`, `pathParameters`) that API Gateway would send.
 */
export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  /** API Gateway path template, e.g. `/topics/{topic}/events`. */
  readonly path: string;
  /** `producer`: caller must be an authenticated producer; `none`: open. */
  readonly auth: 'producer' | 'none';
}

export const INGRESS_ROUTES: readonly HttpRoute[] = [
  { method: 'POST', path: '/topics/{topic}/events', auth: 'producer' },
  { method: 'GET', path: '/topics', auth: 'producer' },
  { method: 'GET', path: '/schemas/{type}', auth: 'producer' },
  { method: 'GET', path: '/schemas/{type}/{version}', auth: 'producer' },
  { method: 'GET', path: '/health', auth: 'none' },
];

export const routeKey = (route: HttpRoute): string => `${route.method} ${route.path}`;
