import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Catalog, eventType, topicWriters } from '../catalog';
import { IngressError } from './errors';

/**
 * Producer identity for the ingress.
 *
 * **Why IAM (SigV4) is the default authorizer.** Spine's producers are mostly other AWS workloads
 * (Lambdas, containers, CI jobs) that already hold an IAM role. With the HTTP API's IAM authorizer they
 * sign requests with the credentials they have: no secret to issue, store or rotate, no token endpoint,
 * and revocation is an IAM change. API Gateway verifies the signature before the Lambda runs (a bad
 * caller costs no invocation) and hands us the caller's ARN in `requestContext.authorizer.iam.userArn`.
 * The role name maps to a catalog producer through the `SPINE_PRODUCER_PRINCIPALS` JSON set by the CDK
 * app, so who may write what is still decided by the catalog (single-writer principle), not by IAM
 * policy alone.
 *
 * **When to choose JWT instead.** When producers live outside AWS (browsers, mobile apps, partner
 * systems, another cloud) and already get tokens from an OpenID Connect provider (Cognito, Auth0,
 * Entra ID), SigV4 would mean handing them long-lived access keys. A JWT authorizer then checks the
 * issuer/audience and the handler would map a claim (e.g. `sub` or a `producer` claim) instead of the
 * role name. Costs: token lifetime bounds revocation, and the identity provider becomes a dependency.
 *
 * Local mode plays the IAM authorizer: it checks the dev bearer tokens and sets the same `userArn`.
 */

/**
 * The IAM principal name in a caller ARN:
 * `arn:aws:sts::123:assumed-role/ROLE/session` -> `ROLE`, `arn:aws:iam::123:role/path/ROLE` -> `ROLE`,
 * `arn:aws:iam::123:user/NAME` -> `NAME`.
 */
export const principalName = (arn: string): string | undefined => {
  const resource = /^arn:[^:]+:(?:sts|iam)::[^:]*:(.+)$/.exec(arn)?.[1];
  if (!resource) return undefined;
  const parts = resource.split('/');
  if (parts[0] === 'assumed-role') return parts[1] || undefined;
  if (parts[0] === 'role' || parts[0] === 'user') return parts.at(-1) || undefined;
  return undefined;
};

const callerArn = (event: APIGatewayProxyEventV2): string | undefined => {
  const authorizer: unknown = (event.requestContext as { authorizer?: unknown }).authorizer;
  if (!authorizer || typeof authorizer !== 'object') return undefined;
  const iam: unknown = (authorizer as { iam?: unknown }).iam;
  if (!iam || typeof iam !== 'object') return undefined;
  const arn: unknown = (iam as { userArn?: unknown }).userArn;
  return typeof arn === 'string' && arn.length > 0 ? arn : undefined;
};

/**
 * Names the calling producer: 401 when the request carries no IAM identity, 403 when the identity is
 * not mapped to a producer (or service) of the catalog.
 */
export const resolveProducer = (
  event: APIGatewayProxyEventV2,
  principals: ReadonlyMap<string, string>,
): string => {
  const arn = callerArn(event);
  if (!arn) throw new IngressError('UNAUTHENTICATED', 'The request carries no producer credentials.');
  const name = principalName(arn);
  const producer = name === undefined ? undefined : principals.get(name);
  if (!producer) throw new IngressError('FORBIDDEN', 'The caller is not a producer of this backbone.');
  return producer;
};

/** 403 unless the producer owns at least one event type on the topic (checked before reading the body). */
export const authorizeTopic = (catalog: Catalog, producer: string, topic: string): void => {
  if (!topicWriters(catalog, topic).includes(producer))
    throw new IngressError('FORBIDDEN', `Producer ${producer} may not write topic ${topic}.`);
};

/** True when the producer is the single writer of the event type. */
export const ownsType = (catalog: Catalog, producer: string, type: string): boolean =>
  eventType(catalog, type)?.writer === producer;
