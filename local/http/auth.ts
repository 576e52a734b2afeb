import { createHash, timingSafeEqual } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, producerPrincipal } from '../names';

/** `requestContext.authorizer.iam` as the HTTP API's IAM authorizer fills it for an assumed role. */
export interface IamAuthorizerIdentity {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: null;
  readonly userArn: string;
  readonly userId: string;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Stable per producer, shaped like AWS ids (ASIA... temporary key, AROA... role id). */
const fakeId = (prefix: string, producer: string, length: number): string =>
  `${prefix}${digest(producer).toString('hex').toUpperCase().slice(0, length)}`;

export const producerIdentity = (producer: string): IamAuthorizerIdentity => {
  const roleId = fakeId('AROA', producer, 17);
  return {
    accessKey: fakeId('ASIA', producer, 16),
    accountId: LOCAL_ACCOUNT_ID,
    callerId: `${roleId}:local`,
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${producerPrincipal(producer)}/local`,
    userId: `${roleId}:local`,
  };
};

/**
 * The producer whose dev token is in `Authorization: Bearer <token>`, or undefined. Plays the IAM
 * authorizer: in AWS the SigV4 signature is checked before the Lambda runs, here the token is.
 */
export const authenticate = (
  authorization: string | undefined,
  tokens: Readonly<Record<string, string>>,
): string | undefined => {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  const presented = digest(token);
  return Object.entries(tokens).find(([, expected]) => timingSafeEqual(presented, digest(expected)))?.[0];
};
