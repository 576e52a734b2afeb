import type { Catalog } from '../../shared/catalog';
import {
  assertQueryRoutes,
  type HttpRoute,
  INGRESS_ROUTES,
  queryRoutes,
  routeKey,
} from '../../shared/ingress';
import { lambdaContext } from '../context';
import { type LambdaHandler, loadHandler } from '../handler';
import type { LocalHttpEvent } from './event';

/** API Gateway's integration timeout; only feeds the context's remaining time. */
const QUERY_TIMEOUT_MS = 30_000;

export interface HttpRouting {
  /** The ingress routes plus every service's query routes (auth `producer`: the same dev tokens). */
  readonly routes: readonly HttpRoute[];
  /** Sends query routes to their service's query module and everything else to `ingress`. */
  handler(ingress: LambdaHandler<LocalHttpEvent>): LambdaHandler<LocalHttpEvent>;
}

/**
 * Loads each service's query module (`queries.entry`) for the local HTTP server, as the CDK app gives
 * each one its own Lambda behind the same HTTP API. A query route that overlaps another route fails the
 * start with `CatalogError`. Call after the local environment is applied (modules read it at import).
 */
export const loadHttpRouting = async (catalog: Catalog, root: string): Promise<HttpRouting> => {
  assertQueryRoutes(catalog);
  const routes = queryRoutes(catalog);
  const modules = new Map<string, LambdaHandler<LocalHttpEvent>>();
  const byRouteKey = new Map<string, { service: string; handler: LambdaHandler<LocalHttpEvent> }>();
  for (const route of routes) {
    let handler = modules.get(route.entry);
    if (!handler) {
      handler = await loadHandler<LocalHttpEvent>(root, route.entry);
      modules.set(route.entry, handler);
    }
    byRouteKey.set(routeKey(route), { service: route.service, handler });
  }
  return {
    routes: [...INGRESS_ROUTES, ...routes],
    handler: (ingress) => (event, context) => {
      const query = byRouteKey.get(event.routeKey);
      if (!query) return ingress(event, context);
      return query.handler(event, lambdaContext(`spine-${query.service}-queries`, QUERY_TIMEOUT_MS));
    },
  };
};
