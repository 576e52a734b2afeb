import { randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { directBody } from '../../shared/aws/put-records-body';
import { LOAD_TOPIC } from '../lib/requests';
import { countRecord, type WireCounts } from './wire-answers';

/**
 * A lean reference for run 2a's no-ids figure: the same requests as `spine-array-no-ids` (plain JSON
 * arrays of 100 ~1 KB events) through handlers with most of what Spine does taken out.
 * - `nativeSteps`: `JSON.parse` of the body, then per event a new id, `JSON.stringify` of an envelope of
 *   the same members as Spine's, and its UTF-8 bytes. No validation, no catalog, no checks, no Kinesis.
 * - `leanCall`: the same, then one PutRecords of the records, signed with the SDK's own SigV4 signer and
 *   sent through the client's request handler (the SDK's `NodeHttpHandler`, set up as Spine's, on a
 *   connection of its own), without the SDK client around it: no middleware stack, endpoint rules,
 *   retry strategy or schema walk of the answer (`JSON.parse`).
 *
 * Neither is a design (no validation, no retries, no error classification, no expiring credentials),
 * and neither is a lower bound: review 21 measured below `leanCall` with a hand-written HTTP/1.1 client
 * on a raw TLS socket and a CBOR body (docs/performance.md, "Without the SDK client"). They show what the
 * SDK client costs around the same call on this machine.
 */
export type LeanHandler = (event: APIGatewayProxyEventV2) => Promise<{ statusCode: number }>;

interface PlainEvent {
  readonly type: string;
  readonly source: string;
  readonly data: { readonly orderId: string };
}

/** The records of one request: parse, then per event an id, the envelope's JSON and its UTF-8 bytes. */
const records = (event: APIGatewayProxyEventV2) => {
  const events = JSON.parse(event.body ?? '[]') as PlainEvent[];
  const time = new Date().toISOString();
  return events.map((e) => ({
    Data: Buffer.from(
      JSON.stringify({
        specversion: '1.0',
        id: randomUUID(),
        source: e.source,
        type: e.type,
        time,
        datacontenttype: 'application/json',
        dataschema: `spine:schema/${e.type}/1`,
        dataversion: 1,
        partitionkey: e.data.orderId,
        data: e.data,
      }),
    ),
    PartitionKey: e.data.orderId,
  }));
};

const AWS_ENDPOINT = {
  protocol: 'https:',
  hostname: 'kinesis.us-east-1.amazonaws.com',
  port: undefined,
  path: '/',
} as const;

/** The answer's bytes: a stream over the socket, a buffer from the in-process fake. */
const bodyOf = async (body: unknown): Promise<Buffer> => {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
};

/**
 * `nativeSteps`, counting the records it built into `counts` (so its row shows their bytes). The count is
 * inside the measured figure: 0.07-0.17 us per record in a microbenchmark (load ~2).
 */
export const nativeSteps =
  (counts: WireCounts): LeanHandler =>
  async (event) => {
    for (const r of records(event)) countRecord(counts, r.Data, r.PartitionKey, 'bytes');
    return { statusCode: 202 };
  };

/**
 * `leanCall` for a Kinesis client set up as Spine's (its endpoint, credentials, SHA-256 and request
 * handler are taken from the client's resolved config, so it reaches the same server the same way).
 */
export const leanCall = (client: KinesisClient): LeanHandler => {
  const config = client.config;
  const signer = new SignatureV4({
    credentials: config.credentials,
    region: 'us-east-1',
    service: 'kinesis',
    sha256: config.sha256,
  });
  return async (event) => {
    const body = directBody({ StreamName: LOAD_TOPIC, Records: records(event) });
    if (!body) throw new Error('lean PutRecords: the direct writer refused the records');
    // The in-process wire's client has no endpoint (its fake handler ignores it): Kinesis's own then.
    const endpoint = (await config.endpoint?.()) ?? AWS_ENDPOINT;
    const request: HttpRequest = {
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port,
      path: endpoint.path,
      query: {},
      headers: {
        host: `${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.PutRecords',
        'content-length': String(body.byteLength),
      },
      body,
    };
    const signed = await signer.sign(request);
    const { response } = await config.requestHandler.handle(signed as never);
    const answer = JSON.parse((await bodyOf(response.body)).toString()) as { FailedRecordCount?: number };
    if (response.statusCode !== 200 || answer.FailedRecordCount !== 0)
      throw new Error(`lean PutRecords: ${response.statusCode} ${JSON.stringify(answer)}`);
    return { statusCode: 202 };
  };
};
