import * as realEndpointDiscovery from '@aws-sdk/middleware-endpoint-discovery';
import * as realChecksum from '@smithy/core/checksum';
import * as realEventStreams from '@smithy/core/event-streams';
import { HttpRequest } from '@smithy/core/protocols';
import * as realHttpHandler from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import * as http1Only from '../../shared/aws/http1-only';
import * as noEndpointDiscovery from '../../shared/aws/no-endpoint-discovery';
import * as noEventStreams from '../../shared/aws/no-event-streams';
import * as nodeSha256 from '../../shared/aws/node-sha256';

/**
 * The bundle stand-ins (infra/constructs/spine-bundling.ts BUNDLE_ALIASES) held to the modules they
 * replace, as the bundled SDK uses them. kinesis-mock and DynamoDB Local accept any signature, so the
 * integration test (bundled-sdk) cannot see a stand-in that signs wrongly: these tests can.
 */

/**
 * What the bundled clients import from each replaced module (read from the pinned SDK's builds, see
 * each stand-in's comment); every other export must be listed as unused, so a new export in an SDK
 * update fails here until someone checks whether the clients now use it.
 */
const CONTRACTS = [
  {
    module: '@smithy/node-http-handler',
    real: realHttpHandler,
    standIn: http1Only,
    used: ['DEFAULT_REQUEST_TIMEOUT', 'NodeHttp2Handler', 'NodeHttpHandler', 'streamCollector'],
    unused: [],
  },
  {
    module: '@smithy/core/checksum',
    real: realChecksum,
    standIn: nodeSha256,
    used: ['Sha256'],
    unused: [
      'Crc32',
      'Crc32Js',
      'Crc32Node',
      'Md5',
      'Md5Js',
      'Md5Node',
      'Sha256Js',
      'Sha256Node',
      'Sha256WebCrypto',
      'blobHasher',
      'blobReader',
      'fileStreamHasher',
      'readableStreamHasher',
    ],
  },
  {
    module: '@aws-sdk/middleware-endpoint-discovery',
    real: realEndpointDiscovery,
    standIn: noEndpointDiscovery,
    used: ['NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS', 'resolveEndpointDiscoveryConfig'],
    unused: [
      'endpointDiscoveryMiddlewareOptions',
      'getEndpointDiscoveryOptionalPlugin',
      'getEndpointDiscoveryPlugin',
      'getEndpointDiscoveryRequiredPlugin',
    ],
  },
  {
    module: '@smithy/core/event-streams',
    real: realEventStreams,
    standIn: noEventStreams,
    used: ['EventStreamSerde', 'eventStreamSerdeProvider', 'resolveEventStreamSerdeConfig'],
    unused: [
      'EventStreamCodec',
      'EventStreamMarshaller',
      'HeaderMarshaller',
      'Int64',
      'MessageDecoderStream',
      'MessageEncoderStream',
      'SmithyMessageDecoderStream',
      'SmithyMessageEncoderStream',
      'UniversalEventStreamMarshaller',
      'getChunkedStream',
      'getMessageUnmarshaller',
      'getUnmarshalledStream',
      'iterableToReadableStream',
      'readableStreamToIterable',
      'universalEventStreamSerdeProvider',
    ],
  },
];

describe('bundle stand-ins against the modules they replace', () => {
  it.each(CONTRACTS)(
    '$module: every export is either provided or known unused',
    ({ real, standIn, used, unused }) => {
      // `default` is the CommonJS module object an ESM namespace import adds, not an export of its own.
      expect(
        Object.keys(real)
          .filter((name) => name !== 'default')
          .sort(),
      ).toEqual([...used, ...unused].sort());
      for (const name of used)
        expect(typeof Reflect.get(standIn, name), name).toBe(typeof Reflect.get(real, name));
    },
  );

  it('signs and presigns every body kind exactly as the SDK Sha256 does (SigV4)', async () => {
    // Prepare
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG',
      sessionToken: 'tok',
    };
    const request = (body: unknown) =>
      new HttpRequest({
        method: 'POST',
        protocol: 'https:',
        hostname: 'kinesis.us-east-1.amazonaws.com',
        path: '/',
        headers: { host: 'kinesis.us-east-1.amazonaws.com', 'x-amz-target': 'Kinesis_20131202.PutRecords' },
        body,
      });
    const bodies: unknown[] = [
      '{"StreamName":"s","Records":[]}',
      new TextEncoder().encode('{"a":"ünïcode"}'),
      new Uint8Array(0),
      undefined,
      new TextEncoder().encode('buffer').buffer,
    ];
    const signingDate = new Date('2026-01-01T00:00:00Z');
    const signWith = async (sha256: typeof nodeSha256.Sha256 | typeof realChecksum.Sha256, body: unknown) => {
      const signer = new SignatureV4({ service: 'kinesis', region: 'us-east-1', credentials, sha256 });
      const signed = await signer.sign(request(body), { signingDate });
      const presigned = await signer.presign(request(body), { signingDate, expiresIn: 60 });
      return [signed.headers.authorization, signed.headers['x-amz-content-sha256'], presigned.query];
    };
    // Act / Assess
    for (const body of bodies)
      expect(await signWith(nodeSha256.Sha256, body)).toEqual(await signWith(realChecksum.Sha256, body));
  });

  it('endpoint discovery: the same selectors, and the same resolved flags without the cache', async () => {
    // Prepare
    const envs = [
      {},
      { AWS_ENABLE_ENDPOINT_DISCOVERY: 'true' },
      { AWS_ENDPOINT_DISCOVERY_ENABLED: '0' },
      { AWS_ENABLE_ENDPOINT_DISCOVERY: '' },
    ];
    const profiles = [
      {},
      { endpoint_discovery_enabled: 'false' },
      { endpoint_discovery_enabled: '1' },
      { endpoint_discovery_enabled: undefined },
    ];
    const outcome = (f: () => unknown) => {
      try {
        return { value: f() };
      } catch (error) {
        return { error: String(error) };
      }
    };
    type Selectors = {
      environmentVariableSelector: (env: Record<string, string | undefined>) => unknown;
      configFileSelector: (profile: Record<string, string | undefined>) => unknown;
      default: unknown;
    };
    const select = (options: Selectors) => [
      ...envs.map((env) => outcome(() => options.environmentVariableSelector(env))),
      ...profiles.map((profile) => outcome(() => options.configFileSelector(profile))),
      options.default,
    ];
    const command = class DescribeEndpoints {};
    const input = (enabled?: boolean) => ({
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      endpointDiscoveryEnabledProvider: async () => true,
      ...(enabled !== undefined && { endpointDiscoveryEnabled: enabled }),
    });
    type Resolved = {
      endpointDiscoveryCommandCtor: unknown;
      endpointDiscoveryEnabled: () => Promise<boolean | undefined>;
      isClientEndpointDiscoveryEnabled: boolean;
    };
    const flags = async (config: Resolved) => ({
      command: config.endpointDiscoveryCommandCtor,
      enabled: await config.endpointDiscoveryEnabled(),
      local: config.isClientEndpointDiscoveryEnabled,
    });
    // Act
    const pairs = [undefined, false, true].map(async (enabled) => [
      await flags(
        noEndpointDiscovery.resolveEndpointDiscoveryConfig(input(enabled), {
          endpointDiscoveryCommandCtor: command,
        }),
      ),
      await flags(
        realEndpointDiscovery.resolveEndpointDiscoveryConfig(input(enabled), {
          endpointDiscoveryCommandCtor: command,
        }),
      ),
    ]);
    // Assess
    expect(select(noEndpointDiscovery.NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS)).toEqual(
      select(realEndpointDiscovery.NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS),
    );
    for (const [ours, theirs] of await Promise.all(pairs)) expect(ours).toEqual(theirs);
  });
});
