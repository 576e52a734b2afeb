import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readBinaryAttributes } from './binary-headers';
import { isJsonMediaType } from './ce-values';
import { duplicateMembers } from './duplicate-members';
import { IngressError } from './errors';
import { bodyText, lowerHeaders, MAX_REQUEST_BYTES } from './http';

/** The CloudEvents batch limit of one request, equal to one PutRecords call. */
export const MAX_EVENTS_PER_REQUEST = 500;

export type Mode = 'binary' | 'structured' | 'batch' | 'plain';

/**
 * One event as sent, before validation. `fields` are CloudEvents attributes plus `data` (structured
 * view): binary-mode headers are folded in, so every mode is validated by the same code.
 */
export interface RawEvent {
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface ParsedRequest {
  readonly mode: Mode;
  readonly events: readonly RawEvent[];
  /** `Idempotency-Key` header, when sent. */
  readonly idempotencyKey?: string;
}

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : 'invalid JSON';
    throw new IngressError('MALFORMED_REQUEST', `The ${what} is not valid JSON: ${reason}`, [], undefined, {
      cause,
    });
  }
};

/** A CloudEvents attribute MUST appear at most once (core spec, "Context Attributes"). */
const refuseDuplicates = (text: string, eventDepth: 1 | 2): void => {
  const problems = duplicateMembers(text, eventDepth);
  if (problems.length > 0)
    throw new IngressError(
      'INVALID_EVENTS',
      'The request has invalid events; nothing was written.',
      problems,
    );
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const binaryEvent = (headers: Map<string, string>, media: string, body: string): RawEvent => {
  const contentType = headers.get('content-type')?.trim() ?? '';
  if (!isJsonMediaType(contentType))
    throw new IngressError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Binary-mode data must be JSON, got content type ${media || '(none)'}.`,
    );
  const { entries, problems } = readBinaryAttributes(headers);
  if (problems.length > 0)
    throw new IngressError(
      'INVALID_EVENTS',
      'The request has invalid events; nothing was written.',
      problems,
    );
  // Built from entries, not by assignment: a `ce-__proto__` header must become an own field (and be
  // refused as an attribute name), not hit the `__proto__` setter and vanish.
  entries.push(['datacontenttype', contentType]);
  if (body.trim() !== '') entries.push(['data', parseJson(body, 'request body')]);
  return { fields: Object.fromEntries(entries) };
};

const singleObject = (value: unknown, what: string): RawEvent => {
  if (!isObject(value)) throw new IngressError('MALFORMED_REQUEST', `The ${what} must be a JSON object.`);
  return { fields: value };
};

/**
 * A structured or batched CloudEvent: a `null` attribute is unset (JSON format 2.2), so it is dropped
 * here and every later check sees it absent. `data: null` stays: it is an explicit null payload.
 */
const cloudEvent = (value: unknown, what: string): RawEvent => {
  const { fields } = singleObject(value, what);
  return {
    fields: Object.fromEntries(Object.entries(fields).filter(([name, v]) => v !== null || name === 'data')),
  };
};

const refuseOverLimit = (count: number, what: string): void => {
  if (count > MAX_EVENTS_PER_REQUEST)
    throw new IngressError(
      'PAYLOAD_TOO_LARGE',
      `${what} holds at most ${MAX_EVENTS_PER_REQUEST} events; this one has ${count}.`,
    );
};

/**
 * Plain JSON: one event object, or an array of 0..500 of them when the request carries an
 * `Idempotency-Key` (one claim for the whole request) or comes from an at-least-once producer. Otherwise
 * an array is refused: its events need no key, and a retry of the request would store every one of them
 * again.
 */
const plainEvents = (parsed: unknown, plainArrays: boolean): RawEvent[] => {
  if (!Array.isArray(parsed)) return [singleObject(parsed, 'request body')];
  if (!plainArrays)
    throw new IngressError(
      'MALFORMED_REQUEST',
      "The request body must be a JSON object. A JSON array of events needs an Idempotency-Key header (one key for the whole request: its retry never stores a copy), or a producer the catalog declares with delivery: 'at-least-once' (a retry of such a request may store its events twice); or send one event per request, or a CloudEvents batch (application/cloudevents-batch+json) with ids.",
    );
  refuseOverLimit(parsed.length, 'A JSON array');
  return parsed.map((item, i) => singleObject(item, `array entry ${i}`));
};

export interface ParseOptions {
  /**
   * Accept a plain JSON array of events without an `Idempotency-Key`: the producer is declared
   * `delivery: 'at-least-once'`. (With the header an array is always accepted: one key covers it.)
   */
  readonly plainArrays: boolean;
}

/**
 * Reads the request in whichever mode it was sent: structured (`application/cloudevents+json`), batch
 * (`application/cloudevents-batch+json`, 0..500 events), binary (`ce-*` headers, JSON data in the body)
 * or plain JSON (`{ type, key?, data, id?, source? }`, or an array of 0..500 such objects when
 * `plainArrays`). Throws 415 for other content types, 400 for malformed JSON (or a plain array without
 * `plainArrays`), 413 for bodies or batches over the limits.
 */
export const parseRequest = (
  event: APIGatewayProxyEventV2,
  options: ParseOptions = { plainArrays: false },
): ParsedRequest => {
  const headers = lowerHeaders(event);
  const media = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const body = bodyText(event);
  if (Buffer.byteLength(body) > MAX_REQUEST_BYTES)
    throw new IngressError('PAYLOAD_TOO_LARGE', `The request body exceeds ${MAX_REQUEST_BYTES} bytes.`);
  const idempotencyKey = headers.get('idempotency-key');
  const withKey = idempotencyKey === undefined ? {} : { idempotencyKey };

  if (media === 'application/cloudevents-batch+json') {
    const parsed = parseJson(body, 'batch');
    // An empty batch is valid (JSON format 4.3): it is answered with no results.
    if (!Array.isArray(parsed))
      throw new IngressError('MALFORMED_REQUEST', 'A batch must be a JSON array of events.');
    refuseOverLimit(parsed.length, 'A batch');
    // Only once the shape is known: the scan reads depth 2 as the events (an object's members otherwise).
    refuseDuplicates(body, 2);
    return {
      mode: 'batch',
      events: parsed.map((item, i) => cloudEvent(item, `batch entry ${i}`)),
      ...withKey,
    };
  }
  if (media === 'application/cloudevents+json') {
    const event = cloudEvent(parseJson(body, 'event'), 'event');
    refuseDuplicates(body, 1);
    return { mode: 'structured', events: [event], ...withKey };
  }
  if (headers.has('ce-specversion'))
    return { mode: 'binary', events: [binaryEvent(headers, media, body)], ...withKey };
  if (media === 'application/json')
    return {
      mode: 'plain',
      events: plainEvents(
        parseJson(body, 'request body'),
        options.plainArrays || idempotencyKey !== undefined,
      ),
      ...withKey,
    };
  throw new IngressError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Unsupported content type "${media || '(none)'}"; send application/json, application/cloudevents+json, ` +
      'application/cloudevents-batch+json, or binary mode with ce-* headers.',
  );
};
