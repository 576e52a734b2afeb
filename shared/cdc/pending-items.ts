import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeEnvelope, encodeEnvelope } from '../envelope';
import type { PendingCapture } from './store';

/**
 * A pending capture as a checkpoints-table item. The event is kept gzipped: an item image can be up
 * to DynamoDB's 400 KB, and the pending item must fit in the same limit next to its keys. It is
 * written once per item of the snapshot and deleted after the publish (its write costs 1 WCU per KB
 * of compressed event).
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
