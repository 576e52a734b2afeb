import { randomUUID } from 'node:crypto';
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

/**
 * The hand-built ingress a team writes first: parse the body with a schema library (zod, the event
 * schema written a second time by hand), wrap each event, and call PutRecord once per event. API
 * Gateway's IAM authorizer does the authentication; there is no producer-to-topic check and no dedupe.
 */
const item = z.strictObject({
  sku: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(1000),
  unitPrice: z.number().min(0),
});
const order = z.strictObject({
  orderId: z.string().min(1).max(64),
  customerId: z.string().min(1).max(64),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
  items: z.array(item).min(1).max(100),
});
const request = z
  .array(z.object({ type: z.string(), data: order }))
  .min(1)
  .max(500);

export const createNaiveIngress =
  (kinesis: KinesisClient, streamName: string) =>
  async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const parsed = request.safeParse(JSON.parse(event.body ?? 'null'));
    if (!parsed.success) return { statusCode: 400, body: JSON.stringify({ error: parsed.error.issues }) };
    const results = await Promise.all(
      parsed.data.map(async (e) => {
        const envelope = {
          specversion: '1.0',
          id: randomUUID(),
          source: 'storefront',
          type: e.type,
          time: new Date().toISOString(),
          datacontenttype: 'application/json',
          data: e.data,
        };
        const out = await kinesis.send(
          new PutRecordCommand({
            StreamName: streamName,
            PartitionKey: e.data.orderId,
            Data: Buffer.from(JSON.stringify(envelope)),
          }),
        );
        return { id: envelope.id, shardId: out.ShardId, sequenceNumber: out.SequenceNumber };
      }),
    );
    return { statusCode: 202, body: JSON.stringify({ results }) };
  };
