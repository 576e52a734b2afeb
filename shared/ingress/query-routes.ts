import { type Catalog, CatalogError, type CatalogProblem } from '../catalog';
import { type HttpRoute, INGRESS_ROUTES, routeKey } from './routes';

/** A service's read-side route, served on the ingress HTTP API with producer credentials. */
export interface QueryRoute extends HttpRoute {
  readonly method: 'GET';
  readonly auth: 'producer';
  readonly service: string;
  /** The service's query module (`queries.entry`), relative to the project root. */
  readonly entry: string;
}

/** Every query route of the catalog, in service order. */
export const queryRoutes = (catalog: Catalog): QueryRoute[] =>
  catalog.services.flatMap((s) =>
    (s.queries?.routes ?? []).map((r) => ({
      method: r.method,
      path: r.path,
      auth: 'producer' as const,
      service: s.name,
      entry: s.queries?.entry ?? '',
    })),
  );

const isParam = (segment: string): boolean => /^\{[^}]+\}$/.test(segment);

/**
 * True when one request could match both routes: same method and segment count, and every segment
 * equal or a `{param}` on either side. API Gateway would pick the more specific route, so a query
 * route `GET /schemas/latest` would silently take `GET /schemas/{type}` requests for a type "latest".
 */
export const routesOverlap = (a: HttpRoute, b: HttpRoute): boolean => {
  if (a.method !== b.method) return false;
  const as = a.path.split('/');
  const bs = b.path.split('/');
  return as.length === bs.length && as.every((s, i) => s === bs[i] || isParam(s) || isParam(bs[i] ?? ''));
};

/** Query routes that overlap an ingress route or another service's query route. */
export const queryRouteProblems = (
  catalog: Catalog,
  reserved: readonly HttpRoute[] = INGRESS_ROUTES,
): CatalogProblem[] => {
  const routes = queryRoutes(catalog);
  const problems: CatalogProblem[] = [];
  routes.forEach((route, i) => {
    const path = `services[${route.service}].queries.routes[${routeKey(route)}]`;
    for (const taken of reserved.filter((r) => routesOverlap(route, r)))
      problems.push({ path, message: `overlaps the ingress route "${routeKey(taken)}"; pick another path` });
    for (const other of routes.slice(i + 1).filter((r) => routesOverlap(route, r)))
      problems.push({
        path,
        message: `overlaps "${routeKey(other)}" of service ${other.service}; one request would match both`,
      });
  });
  return problems;
};

/** Throws `CatalogError` when a query route overlaps another route (checked at synth and at local start). */
export const assertQueryRoutes = (
  catalog: Catalog,
  reserved: readonly HttpRoute[] = INGRESS_ROUTES,
): void => {
  const problems = queryRouteProblems(catalog, reserved);
  if (problems.length > 0) throw new CatalogError(problems);
};
