import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Publisher } from './context';
import { parseBody } from './local';

/** SHA-256 for the signer, from node:crypto (HMAC when given a secret). */
type Source = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Source): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class Sha256 {
  private readonly hash;
  constructor(secret?: Source) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Source): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

/**
 * Publishes through the deployed HTTP API with SigV4 (service `execute-api`): the caller's credentials
 * must be those of a producer role (stack outputs `ProducerRole<Name>`), which the IAM authorizer and
 * the ingress map to the producer.
 */
export const signedPublisher = (
  ingressUrl: string,
  region: string,
  credentials: AwsCredentialIdentityProvider,
  /** Clock seam (tests): the signing time. @default the current time */
  now?: () => Date,
): Publisher => ({
  async publish(topic, body) {
    const url = new URL(
      `topics/${encodeURIComponent(topic)}/events`,
      ingressUrl.endsWith('/') ? ingressUrl : `${ingressUrl}/`,
    );
    const payload = JSON.stringify(body);
    const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        headers: { host: url.hostname, 'content-type': 'application/json' },
        body: payload,
      },
      now ? { signingDate: now() } : {},
    );
    const response = await fetch(url, { method: 'POST', headers: signed.headers, body: payload });
    return { status: response.status, body: parseBody(await response.text()) };
  },
});
