import { assumedRoleArn, httpEvent } from '../../test/fixtures/apigw';
import { eventId, orderData } from './workload';

/**
 * Requests of the ingress runs, all on topic `load`. CloudEvents modes require `id` (JSON format, since
 * commit 70837cf), so every batch carries producer ids and each event is claimed. Without ids, a producer
 * sends plain JSON: one event per request, or, declared `delivery: 'at-least-once'` (`bulkCatalog`), an
 * array of events, where the ingress generates every id.
 */
export const LOAD_TOPIC = 'load';
export const LOAD_TYPE = 'LoadOrderRequested';
export const PRINCIPAL = 'bench-storefront';

export const cloudEventsBatch = (run: string, from: number, size: number) =>
  Array.from({ length: size }, (_, k) => ({
    specversion: '1.0',
    id: eventId(run, from + k),
    source: 'storefront',
    type: LOAD_TYPE,
    data: orderData(run, from + k),
  }));

/** Plain JSON body of one event without a producer id: no idempotency claim at the ingress. */
export const plainEvent = (run: string, n: number) => ({
  type: LOAD_TYPE,
  source: 'storefront',
  data: orderData(run, n),
});

/** The role of `bulk-storefront` in `bulkCatalog`: declared `delivery: 'at-least-once'`. */
export const BULK_PRINCIPAL = 'bench-bulk-storefront';
export const BULK_TYPE = 'LoadOrderImported';

const ingressRequest = (
  contentType: string,
  body: unknown,
  principal = PRINCIPAL,
  headers: Readonly<Record<string, string>> = {},
) =>
  httpEvent({
    routeKey: 'POST /topics/{topic}/events',
    pathParameters: { topic: LOAD_TOPIC },
    headers: { 'content-type': contentType, ...headers },
    body: JSON.stringify(body),
    userArn: assumedRoleArn(principal),
  });

/**
 * A plain JSON array of `size` events without ids from the at-least-once producer: no claims, one
 * PutRecords per 500 events.
 */
export const plainArrayRequest = (run: string, from: number, size: number) =>
  ingressRequest(
    'application/json',
    Array.from({ length: size }, (_, k) => ({ ...plainEvent(run, from + k), type: BULK_TYPE })),
    BULK_PRINCIPAL,
  );

/** An API Gateway (payload v2) event as the HTTP API hands it to the ingress Lambda: a CloudEvents batch. */
export const spineRequest = (body: unknown) => ingressRequest('application/cloudevents-batch+json', body);

/**
 * The same batch with an `Idempotency-Key` header for the whole request: the ingress takes one claim
 * for the request instead of one per event id (a retry must repeat the key and the same events in order).
 */
export const spineKeyedRequest = (body: unknown, idempotencyKey: string) =>
  ingressRequest('application/cloudevents-batch+json', body, PRINCIPAL, {
    'idempotency-key': idempotencyKey,
  });

/** The same for a plain JSON request of one event. */
export const plainRequest = (run: string, n: number) =>
  ingressRequest('application/json', plainEvent(run, n));

export const naiveRequest = (run: string, from: number, size: number) =>
  httpEvent({
    routeKey: 'POST /events',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      Array.from({ length: size }, (_, k) => ({ type: LOAD_TYPE, data: orderData(run, from + k) })),
    ),
    userArn: assumedRoleArn(PRINCIPAL),
  });
