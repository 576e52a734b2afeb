/**
 * A Lambda bundle was asked to send or read an event stream (Kinesis SubscribeToShard, S3 Select,
 * Bedrock streaming...). SpineFunction bundles leave the SDK's event-stream codec out, since nothing
 * Spine sends uses one: enhanced fan-out is read by the event source mapping, not by the function.
 */
export class EventStreamsNotBundledError extends Error {
  readonly code = 'EVENT_STREAMS_NOT_BUNDLED';
  constructor() {
    super(
      'This bundle has no AWS SDK event-stream support (SpineFunction aliases @smithy/core/event-streams to shared/aws/no-event-streams.ts): call event-stream operations from unbundled code',
    );
    this.name = 'EventStreamsNotBundledError';
  }
}

export const isEventStreamsNotBundledError = (error: unknown): error is EventStreamsNotBundledError =>
  error instanceof Error && (error as { code?: unknown }).code === 'EVENT_STREAMS_NOT_BUNDLED';

/**
 * A Lambda bundle was asked to build an HTTP/2 handler: a Kinesis client given no `requestHandler`.
 * SpineFunction bundles leave the SDK's HTTP/2 handler out (`shared/aws/http1-only.ts`); every client
 * Spine builds gets its HTTP/1.1 handler from `createHttpHandler`.
 */
export class Http2NotBundledError extends Error {
  readonly code = 'HTTP2_NOT_BUNDLED';
  constructor() {
    super(
      'This bundle has no HTTP/2 handler (SpineFunction aliases @smithy/node-http-handler to shared/aws/http1-only.ts): give the client a requestHandler from createHttpHandler',
    );
    this.name = 'Http2NotBundledError';
  }
}

export const isHttp2NotBundledError = (error: unknown): error is Http2NotBundledError =>
  error instanceof Error && (error as { code?: unknown }).code === 'HTTP2_NOT_BUNDLED';
