import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/**
 * Stands in for `@smithy/core/checksum` in Lambda bundles (SpineFunction aliases it, see
 * `infra/constructs/spine-bundling.ts`). The clients take only `Sha256` from it (SigV4 signing), and
 * the SDK's `Sha256Node` is Node's crypto already, but keeps a pure-JavaScript SHA-256 as a fallback
 * for runtimes without `createHash`, which Lambda's Node is not: 3.3 KB that never runs. This is the
 * SDK's native class (`Sha256Node`) without the fallback. Unbundled code keeps the SDK's own.
 */
type Data = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: Data): string | Buffer => {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
};

type State = { readonly hmac: false; readonly hash: Hash } | { readonly hmac: true; readonly hash: Hmac };

/** The SDK's `Checksum` contract (`@smithy/types`): update, digest, reset; HMAC when given a secret. */
export class Sha256 {
  readonly digestLength = 32;
  private state: State;
  private finished = false;

  constructor(private readonly secret?: Data) {
    this.state = this.create();
  }

  update(data: Data): void {
    if (this.finished) throw new Error('Attempted to update an already finished hash.');
    this.state.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    let buf: Buffer;
    // As the SDK's: an HMAC cannot be copied and is finished; a plain hash is copied, so it can go on.
    if (this.state.hmac) {
      this.finished = true;
      buf = this.state.hash.digest();
    } else buf = this.state.hash.copy().digest();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  reset(): void {
    this.state = this.create();
    this.finished = false;
  }

  private create(): State {
    return this.secret
      ? { hmac: true, hash: createHmac('sha256', toBuffer(this.secret)) }
      : { hmac: false, hash: createHash('sha256') };
  }
}
