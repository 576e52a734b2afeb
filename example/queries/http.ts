import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A read-side route handler: API Gateway HTTP API payload v2 in, structured response out. */
export type QueryHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

export const notFound = (what: string): APIGatewayProxyStructuredResultV2 =>
  json(404, { code: 'NOT_FOUND', message: `${what} not found` });

/** A path parameter; API Gateway only routes here when it is present, so missing is a 400, not a crash. */
export const pathParam = (event: APIGatewayProxyEventV2, name: string): string | undefined =>
  event.pathParameters?.[name] || undefined;

export const missingParam = (name: string): APIGatewayProxyStructuredResultV2 =>
  json(400, { code: 'BAD_REQUEST', message: `path parameter ${name} is required` });

/**
 * Wraps a query so a failure answers a bare 500 (and is logged) instead of leaking details to callers.
 */
export const guarded =
  (name: string, query: QueryHandler): QueryHandler =>
  async (event) => {
    try {
      return await query(event);
    } catch (error) {
      console.error(JSON.stringify({ level: 'ERROR', query: name, error: String(error) }));
      return json(500, { code: 'INTERNAL', message: 'Internal Server Error' });
    }
  };
