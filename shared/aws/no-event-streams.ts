import { EventStreamsNotBundledError } from './errors';

/**
 * Stands in for `@smithy/core/event-streams` in Lambda bundles (SpineFunction aliases it, see
 * `infra/constructs/spine-bundling.ts`). Every client of a service with an event-stream operation
 * imports the codec (Kinesis does, for SubscribeToShard), and the protocol layer imports it lazily,
 * which esbuild inlines: about 19 KB per bundle, with a JavaScript SHA-256 for message checksums.
 * Spine's functions send no event-stream operation, so clients get a marshaller that throws
 * `EventStreamsNotBundledError` if one is ever used. Local mode and tests run unbundled, with the
 * real codec.
 */
const unsupported = (): never => {
  throw new EventStreamsNotBundledError();
};

/** What the client's config holds as its marshaller: fails on first use, not at client creation. */
export interface UnsupportedEventStreamMarshaller {
  readonly serialize: () => never;
  readonly deserialize: () => never;
}

/** Same name and call shape as the SDK's: the client config's default marshaller provider. */
export const eventStreamSerdeProvider = (_options?: unknown): UnsupportedEventStreamMarshaller => ({
  serialize: unsupported,
  deserialize: unsupported,
});

/** The SDK's own resolver (one line): sets `eventStreamMarshaller` from the config's provider. */
export const resolveEventStreamSerdeConfig = <T extends { eventStreamSerdeProvider: (input: T) => unknown }>(
  input: T,
): T & { eventStreamMarshaller: unknown } =>
  Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

/** Constructed by the protocol only when an operation has an event-stream member. */
export class EventStreamSerde {
  constructor(_options?: unknown) {
    unsupported();
  }
}
