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
