/**
 * Stands in for `@aws-sdk/credential-provider-node` in Lambda bundles (SpineFunction aliases it, see
 * `infra/constructs/spine-bundling.ts`): Lambda hands the function's role credentials over in
 * environment variables, so the default chain's other providers (SSO, INI files, process, web
 * identity, IMDS, and the STS/SSO clients they bring, about 90 KB) are never used there, yet each SDK
 * client's config imports them. Local mode and tests run unbundled and keep the whole chain.
 */
interface EnvCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Same name and call shape as the SDK's; options are accepted and ignored. */
export const defaultProvider = (_init?: unknown) => async (): Promise<EnvCredentials> => {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new Error(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this bundle reads credentials from the environment only, as Lambda provides them',
    );
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  const expiration = process.env.AWS_CREDENTIAL_EXPIRATION;
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration ? { expiration: new Date(expiration) } : {}),
  };
};
