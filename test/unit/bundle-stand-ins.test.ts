import { Sha256 as SdkSha256 } from '@smithy/core/checksum';
import { describe, expect, it } from 'vitest';
import { isEventStreamsNotBundledError, isHttp2NotBundledError } from '../../shared/aws/errors';
import { createHttpHandler } from '../../shared/aws/http';
import { NodeHttp2Handler, NodeHttpHandler } from '../../shared/aws/http1-only';
import { EventStreamSerde, eventStreamSerdeProvider } from '../../shared/aws/no-event-streams';
import { Sha256 } from '../../shared/aws/node-sha256';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('Sha256 (stand-in for @smithy/core/checksum)', () => {
  it('gives the SDK Sha256 digests, plain and HMAC, for strings and bytes', async () => {
    // Prepare
    const inputs: (string | Uint8Array)[] = [
      '',
      'abc',
      new TextEncoder().encode('bytes'),
      new Uint8Array(1000),
    ];
    const secrets = [undefined, 'key', new Uint8Array([1, 2, 3])];
    // Act
    const pairs = [];
    for (const secret of secrets)
      for (const input of inputs) {
        const ours = new Sha256(secret);
        const sdk = new SdkSha256(secret);
        ours.update(input);
        sdk.update(typeof input === 'string' ? new TextEncoder().encode(input) : input);
        pairs.push([hex(await ours.digest()), hex(await sdk.digest())]);
      }
    // Assess
    expect(pairs.length).toBe(12);
    for (const [ours, sdk] of pairs) expect(ours).toBe(sdk);
  });
});

describe('no-event-streams (stand-in for @smithy/core/event-streams)', () => {
  it('creates a marshaller, then fails on use with EventStreamsNotBundledError', () => {
    // Prepare
    const marshaller = eventStreamSerdeProvider({});
    // Act
    const uses = [() => marshaller.serialize(), () => new EventStreamSerde({})];
    // Assess
    for (const use of uses) {
      let caught: unknown;
      try {
        use();
      } catch (error) {
        caught = error;
      }
      expect(isEventStreamsNotBundledError(caught)).toBe(true);
    }
  });
});

describe('http1-only (stand-in for @smithy/node-http-handler)', () => {
  it("returns the handler a client is given, as the SDK's NodeHttp2Handler.create does", () => {
    // Prepare
    const given = createHttpHandler();
    // Act
    const created = NodeHttp2Handler.create(given);
    // Assess
    expect(created).toBe(given);
    expect(NodeHttpHandler.create(given)).toBe(given);
  });

  it('refuses to build an HTTP/2 handler, naming the fix', () => {
    // Act
    const attempts = [() => NodeHttp2Handler.create(), () => NodeHttp2Handler.create({ requestTimeout: 1 })];
    const errors = attempts.map((attempt) => {
      try {
        attempt();
        return undefined;
      } catch (error) {
        return error;
      }
    });
    // Assess
    expect(errors.every(isHttp2NotBundledError)).toBe(true);
    expect(String(errors[0])).toMatch(/createHttpHandler/);
  });
});
