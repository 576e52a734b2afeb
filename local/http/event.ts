import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../names';
import type { IamAuthorizerIdentity } from './auth';
import type { RouteMatch } from './routes';

/** What the adapter read off the socket; kept plain so the event builder stays a pure function. */
export interface RawRequest {
  readonly method: string;
  /** Request target as sent, e.g. `/topics/orders/events?dryRun=1`. */
  readonly url: string;
  readonly httpVersion: string;
  /** `IncomingMessage.rawHeaders`: name, value, name, value... with duplicates kept. */
  readonly rawHeaders: readonly string[];
  readonly sourceIp: string;
  readonly localPort: number;
  readonly body: Buffer;
}

/** The v2 event plus the IAM authorizer block (`principalOrgId` is null in what AWS sends). */
export type LocalHttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & { authorizer?: { iam: IamAuthorizerIdentity } };
};

export const API_ID = 'spinelocal';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `12/Mar/2020:19:03:58 +0000`, the CLF time API Gateway puts in `requestContext.time`. */
export const clfTime = (date: Date): string =>
  `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;

const TEXT_TYPES =
  /^(text\/.*|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|.*\+(json|xml))$/;

/** Text bodies arrive as strings; anything else (or no content type, or invalid UTF-8) as base64. */
const encodeBody = (body: Buffer, contentType: string | undefined) => {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (TEXT_TYPES.test(mediaType)) {
    try {
      return { body: new TextDecoder('utf-8', { fatal: true }).decode(body), isBase64Encoded: false };
    } catch {
      // Declared text but not valid UTF-8: pass the bytes through untouched.
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
};

const decodeQuery = (value: string): string => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
};

/** Duplicate keys are joined with commas, as in payload format 2.0. */
const queryParameters = (rawQueryString: string): Record<string, string> | undefined => {
  const params: Record<string, string> = {};
  for (const pair of rawQueryString.split('&').filter(Boolean)) {
    const [rawKey = '', ...rest] = pair.split('=');
    const key = decodeQuery(rawKey);
    const value = decodeQuery(rest.join('='));
    params[key] = key in params ? `${params[key]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
};

/** Lowercased names, duplicates comma-joined; cookies move to `cookies` as API Gateway does. */
const collectHeaders = (rawHeaders: readonly string[]) => {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    if (name === 'cookie')
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
};

/** Builds the HTTP API payload format 2.0 event that API Gateway would send for this request. */
export const buildHttpEvent = (
  request: RawRequest,
  match: RouteMatch,
  identity: IamAuthorizerIdentity | undefined,
  now: Date = new Date(),
): LocalHttpEvent => {
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : request.url.slice(queryAt + 1);
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  const domainName = (headers.host ?? 'localhost').replace(/:\d+$/, '');
  const traceId = `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] = traceId;
  const query = queryParameters(rawQueryString);
  const body = request.body.length > 0 ? encodeBody(request.body, headers['content-type']) : undefined;

  return {
    version: '2.0',
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: API_ID,
      ...(identity ? { authorizer: { iam: identity } } : {}),
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomBytes(11).toString('base64'),
      routeKey: match.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body ? { body: body.body } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    isBase64Encoded: body?.isBase64Encoded ?? false,
  };
};
