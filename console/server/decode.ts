import { decodeEnvelope } from '../../shared/envelope';
import type { LogRecord } from '../../shared/ops';
import type { DecodedEvent } from '../api-types';

/** A record as the page shows it: position, and the envelope decoded by the runtime's own codec. */
export const decodeRecord = (topic: string, record: LogRecord): DecodedEvent => {
  const position = {
    topic,
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
    partitionKey: record.partitionKey,
    arrivedAt: record.arrivedAt,
  };
  const bytes = Buffer.from(record.data, 'base64');
  try {
    return { ...position, envelope: decodeEnvelope(bytes) };
  } catch (error) {
    return {
      ...position,
      undecodable: error instanceof Error ? error.message : String(error),
      raw: bytes.toString('utf8').slice(0, 64 * 1024),
    };
  }
};
