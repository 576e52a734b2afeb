import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeEnvelope, encodeEnvelope } from '../envelope';
import type { PendingCapture } from './store';

/**
 * The largest gzipped event a pending item holds, well under DynamoDB's 400 KB item limit (keys and
 * attribute names go next to it). Binary attributes are base64 in the envelope and random bytes do
 * not compress, so an item near 400 KB can give a bigger pending item than itself.
 */
export const PENDING_EVENT_MAX_BYTES = 350_000;

/** The gzipped event's size, measured before the pending write (one extra gzip per captured item). */
export const pendingEventBytes = (capture: PendingCapture): number =>
  gzipSync(encodeEnvelope(capture.envelope)).length;

/**
 * A pending capture as a checkpoints-table item. The event is kept gzipped so that most items near
 * 400 KB still fit (see `PENDING_EVENT_MAX_BYTES` for those that do not). It is written once per item
 * of the snapshot and deleted after the publish (its write costs 1 WCU per KB of compressed event).
 */
export const pendingItem = (pk: string, capture: PendingCapture): Record<string, unknown> => ({
  pk,
  sk: capture.key,
  version: capture.version,
  at: capture.at,
  envelope: gzipSync(encodeEnvelope(capture.envelope)),
});

const bytesOf = (value: unknown): Uint8Array => {
  if (value instanceof Uint8Array) return value;
  throw new TypeError('pending capture item has no binary envelope');
};

/** The capture a `pendingItem` holds. */
export const pendingFromItem = (item: Record<string, unknown>): PendingCapture => ({
  key: String(item.sk),
  version: Number(item.version),
  at: Number(item.at),
  envelope: decodeEnvelope(gunzipSync(bytesOf(item.envelope))),
});
