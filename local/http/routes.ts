import { type HttpRoute, routeKey } from '../../shared/ingress/routes';

export interface RouteMatch {
  readonly route: HttpRoute;
  readonly routeKey: string;
  readonly pathParameters: Record<string, string>;
}

const decode = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

/**
 * Matches a request like API Gateway HTTP APIs do: exact segment count, `{name}` takes one non-empty
 * segment (URL-decoded into `pathParameters`), and a known path with another method is still a 404
 * (HTTP APIs answer 404, not 405, when no route matches).
 */
export const matchRoute = (
  routes: readonly HttpRoute[],
  method: string,
  rawPath: string,
): RouteMatch | undefined => {
  const segments = rawPath.split('/').slice(1);
  for (const route of routes) {
    if (route.method !== method) continue;
    const template = route.path.split('/').slice(1);
    if (template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matched = template.every((part, i) => {
      const segment = segments[i] ?? '';
      const param = /^\{([A-Za-z0-9_]+)\}$/.exec(part)?.[1];
      if (!param) return part === segment;
      const value = decode(segment);
      if (!value) return false;
      pathParameters[param] = value;
      return true;
    });
    if (matched) return { route, routeKey: routeKey(route), pathParameters };
  }
  return undefined;
};
