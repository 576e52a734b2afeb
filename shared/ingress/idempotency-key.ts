import { randomUUID } from 'node:crypto';
import { topicByName } from '../catalog';
import { derivedUuid } from '../envelope';
import { canonicalJson, sha256 } from './hash';
import type { IdempotencyClaimSpec, PrepareContext } from './prepared';

/** How long a key is remembered, and whether the log outlives it (then the claim is its only write). */
const keyLifetime = (
  ctx: PrepareContext,
): Pick<IdempotencyClaimSpec, 'windowHours' | 'logRetentionHours'> => {
  const topic = topicByName(ctx.catalog, ctx.topic);
  const windowHours = topic?.idempotencyWindowHours ?? DEFAULT_WINDOW_HOURS;
  // The log can stand in for the completion write only while it still holds the event.
  const logHolds = topic !== undefined && windowHours <= topic.retentionHours;
  return { windowHours, ...(logHolds ? { logRetentionHours: topic.retentionHours } : {}) };
};

/** The claim item's name of an `Idempotency-Key` header: one namespace per (producer, topic). */
const headerKeyName = (ctx: PrepareContext, headerKey: string): string =>
  ['header', ctx.producer, ctx.topic, headerKey].join('\u0000');

const DEFAULT_WINDOW_HOURS = 24;
/** The key as shown in 409 messages and stored in the claim item (DynamoDB items stop at 400 KB). */
const MAX_DISPLAY_CHARS = 200;

const shown = (value: string): string =>
  value.length <= MAX_DISPLAY_CHARS ? value : `${value.slice(0, MAX_DISPLAY_CHARS)}...`;

export interface EventIdentity {
  /** The event id: the producer's, else derived from the Idempotency-Key, else a fresh UUID. */
  readonly id: string;
  readonly claim?: IdempotencyClaimSpec;
}

/**
 * The idempotency key of an event and the id it gets. The `Idempotency-Key` header wins over
 * (`source`, `id`); both are scoped to (producer, topic), so two producers never collide. An id derived from
 * the header is stable, so a retried request stores the same id. `payload` gives everything that makes
 * the event what it is (built only for a keyed event): a repeat of the key with another payload is a
 * conflict. An at-least-once producer's events have no key.
 */
export const eventIdentity = (
  ctx: PrepareContext,
  source: string,
  givenId: string | undefined,
  headerKey: string | undefined,
  payload: () => Readonly<Record<string, unknown>>,
): EventIdentity => {
  // An at-least-once producer asked for no dedupe: its id names the event and claims nothing.
  if (ctx.delivery === 'at-least-once') return { id: givenId ?? (ctx.newId ?? randomUUID)() };
  const scope = [ctx.producer, ctx.topic];
  const key = headerKey
    ? { parts: ['header', ...scope, headerKey], display: `Idempotency-Key "${shown(headerKey)}"` }
    : givenId
      ? {
          parts: ['event', ...scope, source, givenId],
          display: `(source "${shown(source)}", id "${shown(givenId)}")`,
        }
      : undefined;
  if (!key) return { id: givenId ?? (ctx.newId ?? randomUUID)() };
  const name = key.parts.join('\u0000');
  return {
    id: givenId ?? derivedUuid(name),
    claim: {
      pk: `ingress#${ctx.topic}#${sha256(name)}`,
      display: key.display,
      payloadHash: sha256(canonicalJson({ ...payload(), id: givenId })),
      ...keyLifetime(ctx),
    },
  };
};

/** An event of a request sent with one `Idempotency-Key` for several events (see `BatchMember`). */
export interface MemberIdentity {
  readonly id: string;
  readonly hash: string;
  readonly identity: string;
}

/**
 * The id and hash of event `index` of a request whose `Idempotency-Key` covers several events: the
 * producer's id, else one derived from the key and the event's place in the request (stable, so a
 * retried request stores the same ids). The hash covers the payload and the producer's id, as a single
 * event's does.
 */
export const memberIdentity = (
  ctx: PrepareContext,
  headerKey: string,
  index: number,
  source: string,
  givenId: string | undefined,
  payload: () => Readonly<Record<string, unknown>>,
): MemberIdentity => {
  const id = givenId ?? derivedUuid(`${headerKeyName(ctx, headerKey)}\u0000${index}`);
  return {
    id,
    hash: sha256(canonicalJson({ ...payload(), id: givenId })),
    identity: `${source}\u0000${id}`,
  };
};

/**
 * The one claim of a request whose `Idempotency-Key` covers several events. Same item name as the key
 * on a single event (one key, one meaning per producer and topic); the payload hash covers every event
 * in request order, so the same key with other events, or the same events in another order, is a conflict.
 */
export const batchClaim = (
  ctx: PrepareContext,
  headerKey: string,
  memberHashes: readonly string[],
): IdempotencyClaimSpec => ({
  pk: `ingress#${ctx.topic}#${sha256(headerKeyName(ctx, headerKey))}`,
  display: `Idempotency-Key "${shown(headerKey)}"`,
  payloadHash: sha256(`batch\u0000${memberHashes.join('\u0000')}`),
  ...keyLifetime(ctx),
});
