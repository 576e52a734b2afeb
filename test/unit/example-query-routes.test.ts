import { describe, expect, it } from 'vitest';
import { catalog } from '../../example/catalog';
import { type Catalog, defineCatalog, isCatalogError } from '../../shared/catalog';
import {
  assertQueryRoutes,
  INGRESS_ROUTES,
  queryRouteProblems,
  queryRoutes,
  routesOverlap,
} from '../../shared/ingress';

const withRoutes = (paths: Record<string, string[]>): Catalog => {
  const { __validated: _v, ...spec } = catalog;
  return defineCatalog({
    ...spec,
    services: spec.services.map((s) => {
      const routes = paths[s.name];
      const { queries: _q, ...rest } = s;
      return routes
        ? {
            ...rest,
            queries: {
              entry: 'example/queries/orders.ts',
              routes: routes.map((path) => ({ method: 'GET' as const, path })),
            },
          }
        : rest;
    }),
  });
};

describe('query routes', () => {
  it('lists the example services routes with producer auth', () => {
    expect(queryRoutes(catalog).map((r) => `${r.service} ${r.method} ${r.path} ${r.auth}`)).toEqual([
      'orders GET /orders/{orderId} producer',
      'payments GET /rates/{pair} producer',
      'analytics GET /stats/orders producer',
    ]);
    expect(queryRouteProblems(catalog)).toEqual([]);
  });

  it('treats routes one request could match as overlapping', () => {
    const get = (path: string) => ({ method: 'GET' as const, path, auth: 'producer' as const });

    expect(routesOverlap(get('/schemas/latest'), get('/schemas/{type}'))).toBe(true);
    expect(routesOverlap(get('/topics'), get('/topics'))).toBe(true);
    expect(routesOverlap(get('/topics/{topic}/stats'), get('/topics/{topic}/events'))).toBe(false);
    expect(
      routesOverlap(get('/topics/{topic}/events'), { ...get('/topics/{topic}/events'), method: 'POST' }),
    ).toBe(false);
    expect(routesOverlap(get('/orders/{id}'), get('/orders/{id}/lines'))).toBe(false);
  });

  it('fails on a query route that overlaps an ingress route, naming both', () => {
    const clashing = withRoutes({ orders: ['/schemas/latest', '/health'] });

    let error: unknown;
    try {
      assertQueryRoutes(clashing);
    } catch (e) {
      error = e;
    }

    expect(isCatalogError(error)).toBe(true);
    expect(String(error)).toContain('GET /schemas/latest');
    expect(String(error)).toContain('overlaps the ingress route "GET /schemas/{type}"');
    expect(String(error)).toContain('overlaps the ingress route "GET /health"');
    expect(INGRESS_ROUTES.length).toBeGreaterThan(0);
  });

  it('fails on query routes of two services that overlap each other', () => {
    const problems = queryRouteProblems(
      withRoutes({ orders: ['/things/{id}'], payments: ['/things/special'] }),
    );

    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('of service payments');
  });
});
