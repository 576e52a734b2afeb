/**
 * The re-send mark: how Spine makes a duplicate record in the log recognisable without paying for a
 * dedupe write on every event.
 *
 * A writer (the ingress, the outbox publisher) sends a record again only after an attempt whose
 * outcome it could not see: a timeout, a 5xx, a dropped connection, a crash between commit and
 * delete. Kinesis may have stored that first attempt, so the new record may be a second copy. The
 * writer then sets this CloudEvents extension on the record to the earliest time the first copy could
 * have arrived (the first attempt's send time). A consumer that meets a marked record looks at the
 * same shard's records from that time (less a skew margin) up to the marked one and skips it if an
 * earlier record carries the same (source, id). Unmarked records, the normal path, cost nothing.
 *
 * The value is an RFC 3339 timestamp (CloudEvents `Timestamp` type); marking twice keeps the earliest.
 */
export const RESENT_ATTRIBUTE = 'spineresent';

/** Bytes a mark adds to a record at most: Kinesis' 1 MiB record limit must leave room for it. */
export const RESENT_MARK_MAX_BYTES = 48;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const parseObject = (bytes: Uint8Array): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(decoder.decode(bytes));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/** The mark's time (epoch ms) in a decoded envelope object, or undefined when unmarked or malformed. */
export const resentSinceOf = (envelope: Readonly<Record<string, unknown>>): number | undefined => {
  const value = envelope[RESENT_ATTRIBUTE];
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
};

/**
 * Returns the record bytes with the re-send mark set to `since` (epoch ms), or to the existing mark
 * when that is earlier. Bytes that are not a JSON object are returned unchanged: Spine only writes
 * envelopes, and a consumer parks anything else anyway.
 */
export const markResent = (bytes: Uint8Array, since: number): Uint8Array => {
  const envelope = parseObject(bytes);
  if (!envelope) return bytes;
  const earlier = resentSinceOf(envelope);
  const at = earlier === undefined ? since : Math.min(earlier, since);
  return encoder.encode(JSON.stringify({ ...envelope, [RESENT_ATTRIBUTE]: new Date(at).toISOString() }));
};

/** The mark of raw record bytes (epoch ms), or undefined. */
export const resentSinceOfBytes = (bytes: Uint8Array): number | undefined => {
  const envelope = parseObject(bytes);
  return envelope ? resentSinceOf(envelope) : undefined;
};
