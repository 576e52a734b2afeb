// `@smithy/node-http-handler` has no `exports` map and ships its ESM build's types apart
// (dist-types/), so a file of the build has none of its own: these are the index's.
declare module '#smithy/node-http-handler-http1' {
  export { DEFAULT_REQUEST_TIMEOUT, NodeHttpHandler } from '@smithy/node-http-handler';
}
