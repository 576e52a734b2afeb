/**
 * Stands in for `@aws-sdk/middleware-endpoint-discovery` in Lambda bundles (SpineFunction aliases it,
 * see `infra/constructs/spine-bundling.ts`). The DynamoDB client resolves endpoint-discovery config on
 * creation, but no DynamoDB command of the pinned SDK adds the discovery middleware (none imports
 * `getEndpointDiscoveryPlugin`), so nothing reads what it resolves: the endpoint cache it builds for
 * every client (`@aws-sdk/endpoint-cache` over an LRU, ~1.2 KB per bundle) is never used. This keeps
 * the config the client reads and resolves the same flags, without the cache. An SDK update whose
 * commands import the plugin fails the bundle at synth (the stand-in does not export it), and the
 * stand-in contract test (test/unit/bundle-stand-ins-contract.test.ts) fails on a new export. Local
 * mode and tests run unbundled, with the real module.
 */

const ENV_ENDPOINT_DISCOVERY = ['AWS_ENABLE_ENDPOINT_DISCOVERY', 'AWS_ENDPOINT_DISCOVERY_ENABLED'];
const CONFIG_ENDPOINT_DISCOVERY = 'endpoint_discovery_enabled';
const isFalsy = (value: string | undefined) => value === 'false' || value === '0';

/** The SDK's selectors, unchanged: the client's runtime config loads `endpointDiscoveryEnabledProvider` with them. */
export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: (env: Record<string, string | undefined>): boolean | undefined => {
    for (const key of ENV_ENDPOINT_DISCOVERY) {
      if (!(key in env)) continue;
      const value = env[key];
      if (value === '')
        throw Error(`Environment variable ${key} can't be empty of undefined, got "${value}"`);
      return !isFalsy(value);
    }
    return undefined;
  },
  configFileSelector: (profile: Record<string, string | undefined>): boolean | undefined => {
    if (!(CONFIG_ENDPOINT_DISCOVERY in profile)) return undefined;
    const value = profile[CONFIG_ENDPOINT_DISCOVERY];
    if (value === undefined)
      throw Error(`Shared config entry ${CONFIG_ENDPOINT_DISCOVERY} can't be undefined, got "${value}"`);
    return !isFalsy(value);
  },
  default: undefined,
};

/** What the SDK's resolver reads from the client's config. */
export interface EndpointDiscoveryInput {
  readonly endpointDiscoveryEnabled?: boolean | undefined;
  readonly endpointDiscoveryEnabledProvider: () => Promise<boolean | undefined>;
}

/** The SDK's resolver without the endpoint cache: the same flags and command, set on the config. */
export const resolveEndpointDiscoveryConfig = <T extends EndpointDiscoveryInput>(
  input: T,
  { endpointDiscoveryCommandCtor }: { endpointDiscoveryCommandCtor: unknown },
) => {
  const { endpointDiscoveryEnabled, endpointDiscoveryEnabledProvider } = input;
  return Object.assign(input, {
    endpointDiscoveryCommandCtor,
    endpointDiscoveryEnabled:
      endpointDiscoveryEnabled !== undefined
        ? () => Promise.resolve(endpointDiscoveryEnabled)
        : endpointDiscoveryEnabledProvider,
    isClientEndpointDiscoveryEnabled: endpointDiscoveryEnabled !== undefined,
  });
};
