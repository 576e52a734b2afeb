import { Http2NotBundledError } from './errors';

export { streamCollector } from '@smithy/core/serde';
// The HTTP/1.1 handler itself, from its own file: the package's index, which this module stands in
// for, also carries the HTTP/2 handler (types: shared/aws/smithy-deep-imports.d.ts).
export {
  DEFAULT_REQUEST_TIMEOUT,
  NodeHttpHandler,
} from '#smithy/node-http-handler-http1';

/**
 * Stands in for `NodeHttp2Handler` in Lambda bundles (SpineFunction aliases `@smithy/node-http-handler`
 * to this module, see `infra/constructs/spine-bundling.ts`). The Kinesis client's runtime config calls
 * `NodeHttp2Handler.create(config.requestHandler ?? defaults)`, which keeps the HTTP/2 handler, its
 * connection manager and pool in every bundle with a Kinesis client: about 6.7 KB. `create` returns a
 * given handler as the SDK's does; every client Spine builds has one (`createHttpHandler`, HTTP/1.1 as
 * kinesis-mock needs), so only a client built without one reaches the throw. Local mode and tests run
 * unbundled, with the real module.
 */
export class NodeHttp2Handler {
  /** Same name and call shape as the SDK's: a given handler is returned as is. */
  static create<T>(instanceOrOptions?: T): T {
    if (
      instanceOrOptions !== null &&
      typeof instanceOrOptions === 'object' &&
      typeof Reflect.get(instanceOrOptions, 'handle') === 'function'
    )
      return instanceOrOptions;
    throw new Http2NotBundledError();
  }

  constructor(_options?: unknown) {
    throw new Http2NotBundledError();
  }
}
