import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  type ParkingItemWritten,
  parkedChunkPk,
  parkedChunkSk,
  parkedPk,
  parkedSk as parkingSk,
} from '../layout';
import type { ParkedEvent } from './store';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Record data (base64) longer than this is kept in chunk items: a 1 MiB Kinesis record is ~1.4 MB of
 * base64, far over DynamoDB's 400 KB item limit, and parking it inline would fail the transaction:
 * the event could never be parked. 350,000 characters leave room for the other attributes.
 */
export const PARKED_INLINE_CHARS = 350_000;

export { parkedChunkPk } from '../layout';
export const parkedSk = (p: ParkedEvent): string =>
  parkingSk(p.position.topic, p.position.shardId, p.sequenceNumber);

/** The chunk items of a parked record whose data is too long to be inline; empty when it fits. */
export const parkedChunks = (service: string, park: ParkedEvent): Record<string, unknown>[] => {
  if (park.data.length <= PARKED_INLINE_CHARS) return [];
  const chunks: Record<string, unknown>[] = [];
  for (let i = 0, n = 0; i < park.data.length; i += PARKED_INLINE_CHARS, n++)
    chunks.push({
      pk: parkedChunkPk(service),
      sk: parkedChunkSk(parkedSk(park), n),
      data: park.data.slice(i, i + PARKED_INLINE_CHARS),
    });
  return chunks;
};

/**
 * The parking item of a parked event for the commit's transaction. A chunked record has `data: ''`
 * and `dataChunks: n`; its chunk items (written before the transaction, see `parkedChunks`) are
 * `pk = chunks#service`, `sk = <parking sk>#0000..`, and concatenated give the record's data.
 */
export const parkedItems = (table: string, service: string, park: ParkedEvent): TransactItem[] => {
  const { position, ...parked } = park;
  const chunks = parkedChunks(service, park).length;
  const item: ParkingItemWritten = {
    pk: parkedPk(service),
    sk: parkedSk(park),
    ...parked,
    ...(chunks > 0 && { data: '', dataChunks: chunks, dataChars: park.data.length }),
    topic: position.topic,
    shardId: position.shardId,
    parkedAt: new Date().toISOString(),
  };
  return [{ Put: { TableName: table, Item: item } }];
};
