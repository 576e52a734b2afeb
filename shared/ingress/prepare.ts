import type { Finding, Report } from './attributes';
import { IngressError } from './errors';
import { batchClaim } from './idempotency-key';
import type { ParsedRequest } from './modes';
import { type PreparedOne, prepareEvent, type RequestFacts } from './prepare-event';
import type { PrepareContext, PreparedEvent } from './prepared';

const MAX_REPORTED_PROBLEMS = 100;

/** One error for the whole request: 403 wins over 400, which wins over 413 (fix what matters first). */
const refusal = (findings: readonly Finding[], producer: string): IngressError => {
  const pick = (status: Finding['status']) =>
    findings
      .filter((f) => f.status === status)
      .slice(0, MAX_REPORTED_PROBLEMS)
      .map(({ status: _, ...problem }) => problem);
  if (findings.some((f) => f.status === 403))
    return new IngressError('FORBIDDEN', `Producer ${producer} may not write these event types.`, pick(403));
  if (findings.some((f) => f.status === 400))
    return new IngressError(
      'INVALID_EVENTS',
      'The request has invalid events; nothing was written.',
      pick(400),
    );
  return new IngressError(
    'PAYLOAD_TOO_LARGE',
    'An event exceeds the record size limit; nothing was written.',
    pick(413),
  );
};

/**
 * Validates every event of a request and builds its envelope. All-or-nothing: one bad event rejects the
 * request (403 when the producer does not own a type, else 400, else 413 for an oversized event), with
 * every problem found (up to 100) so a client can fix a batch in one round trip.
 */
export const prepareEvents = (request: ParsedRequest, ctx: PrepareContext): PreparedEvent[] => {
  if (request.idempotencyKey === '')
    throw new IngressError('MALFORMED_REQUEST', 'The Idempotency-Key header must not be empty.');
  // Refused rather than ignored: a producer that sends a key expects a retry not to store a copy.
  if (request.idempotencyKey !== undefined && ctx.delivery === 'at-least-once')
    throw new IngressError(
      'MALFORMED_REQUEST',
      `Producer ${ctx.producer} is declared with delivery: 'at-least-once', so the ingress dedupes none of its events; the Idempotency-Key header is refused. Declare the producer 'idempotent' (the default) to use it.`,
    );
  const findings: Finding[] = [];
  const prepared: PreparedOne[] = [];
  let receivedAt: string | undefined;
  // One event: the header is that event's key. Several: it is the request's, one claim for them all.
  const single = request.events.length === 1;
  const facts: RequestFacts = {
    mode: request.mode,
    headerKey: single ? request.idempotencyKey : undefined,
    ...(single || request.idempotencyKey === undefined ? {} : { batchKey: request.idempotencyKey }),
    receivedAt: () => {
      receivedAt ??= ctx.now().toISOString();
      return receivedAt;
    },
  };
  request.events.forEach((raw, index) => {
    const report: Report = (path, message, expected, status = 400) =>
      findings.push({ index, path, message, ...(expected === undefined ? {} : { expected }), status });
    const event = prepareEvent(raw, index, facts, ctx, report);
    if (event) prepared.push(event);
  });
  if (findings.length > 0) throw refusal(findings, ctx.producer);
  if (facts.batchKey === undefined) return prepared.map((p) => p.event);
  const claim = batchClaim(
    ctx,
    facts.batchKey,
    prepared.map((p) => p.member?.hash ?? ''),
  );
  // The log alone records a batch acknowledged at once (its claim is its only write; only a takeover
  // completes it): it must hold the events as long as the key is remembered, or a late retry could
  // neither find them nor be told it is a duplicate.
  if (claim.logRetentionHours === undefined)
    throw new IngressError(
      'MALFORMED_REQUEST',
      `Topic ${ctx.topic} remembers idempotency keys for ${claim.windowHours} h but keeps events for less, so one Idempotency-Key cannot cover several events on it. Send one event per request with the header, or give each event an id (CloudEvents batch), or set the topic's idempotencyWindowHours to at most its retentionHours.`,
    );
  return prepared.map(({ event, member }) =>
    member ? { ...event, batch: { claim, hash: member.hash, identity: member.identity } } : event,
  );
};
