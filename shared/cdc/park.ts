import { derivedUuid } from '../envelope';
import { type AttributeValue, plainImage } from './attributes';
import type { Change } from './change';
import type { ParkedChange } from './store';

/** A change that failed its type's schema, as the parking lot keeps it: the whole change, base64. */
export const parkedChange = (
  change: Change,
  shardId: string,
  sequenceNumber: string,
  event: {
    readonly id: string;
    readonly type: string;
    readonly errors: readonly { path: string; message: string }[];
  },
): ParkedChange => ({
  shardId,
  sequenceNumber,
  partitionKey: change.keyString,
  data: Buffer.from(
    JSON.stringify({ kind: change.kind, key: change.key, version: change.version, image: change.image }),
  ).toString('base64'),
  eventId: event.id,
  eventType: event.type,
  error: `captured item does not match ${event.type}'s schema`,
  errorDetails: event.errors.map((e) => ({ path: e.path, message: e.message })),
  arrivedAt: change.at,
});

/**
 * An item or stream record Spine cannot read as a change (no key, no version, no image), parked whole
 * so it is visible and can be redriven once fixed: dropping it would leave the item's consumers behind
 * with nothing to show why. The parking key is deterministic, so a page or batch read again parks it
 * in the same place.
 */
export const parkedUnreadable = (
  raw: { readonly eventName?: string; readonly image?: Readonly<Record<string, AttributeValue>> },
  where: { readonly shardId: string; readonly sequenceNumber?: string; readonly at: number },
  eventType: string,
  error: Error,
): ParkedChange => {
  const data = JSON.stringify({
    ...(raw.eventName !== undefined && { eventName: raw.eventName }),
    image: raw.image === undefined ? null : plainImage(raw.image),
  });
  const eventId = derivedUuid(
    ['cdc-unreadable', where.shardId, where.sequenceNumber ?? '', data].join('\u0000'),
  );
  return {
    shardId: where.shardId,
    sequenceNumber: where.sequenceNumber ?? `unreadable#${eventId}`,
    partitionKey: 'unreadable',
    data: Buffer.from(data).toString('base64'),
    eventId,
    eventType,
    error: error.message,
    errorDetails: [],
    arrivedAt: where.at,
  };
};

/**
 * A snapshot capture whose pending item would not fit DynamoDB's item limit, parked (the change whole,
 * in chunks) instead of failing the page on every run, which would hold the stream until its 24 h
 * retention lost changes. Its marker is still written: consumers get the item's next change.
 */
export const parkedTooLarge = (
  change: Change,
  event: { readonly id: string; readonly type: string },
  eventBytes: number,
): ParkedChange => ({
  ...parkedChange(change, 'snapshot', `${change.keyString}#${change.version}`, { ...event, errors: [] }),
  error: `snapshot event too large for a pending capture (${eventBytes} bytes gzipped)`,
});
