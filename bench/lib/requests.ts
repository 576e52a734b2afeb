import { assumedRoleArn, httpEvent } from '../../test/fixtures/apigw';
import { eventId, orderData } from './workload';

/** Requests of the ingress runs: batches of `size` events of topic `load`, with or without producer ids. */
export const LOAD_TOPIC = 'load';
export const LOAD_TYPE = 'LoadOrderRequested';
export const PRINCIPAL = 'bench-storefront';

export const cloudEventsBatch = (run: string, from: number, size: number, withIds: boolean) =>
  Array.from({ length: size }, (_, k) => ({
    specversion: '1.0',
    ...(withIds && { id: eventId(run, from + k) }),
    source: 'storefront',
    type: LOAD_TYPE,
    data: orderData(run, from + k),
  }));

/** An API Gateway (payload v2) event as the HTTP API hands it to the ingress Lambda. */
export const spineRequest = (body: unknown) =>
  httpEvent({
    routeKey: 'POST /topics/{topic}/events',
    pathParameters: { topic: LOAD_TOPIC },
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify(body),
    userArn: assumedRoleArn(PRINCIPAL),
  });

export const naiveRequest = (run: string, from: number, size: number) =>
  httpEvent({
    routeKey: 'POST /events',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      Array.from({ length: size }, (_, k) => ({ type: LOAD_TYPE, data: orderData(run, from + k) })),
    ),
    userArn: assumedRoleArn(PRINCIPAL),
  });
