import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { startCdcPoller } from '../../local/cdc';
import type { LocalLogger } from '../../local/log';
import type { DeliveredRecord } from '../../shared/cdc';

/** Keeps the warnings; the other levels are dropped. */
const recordingLogger = () => {
  const warnings: string[] = [];
  const log: LocalLogger = {
    info: () => {},
    warn: (m, d) => warnings.push(`${m} ${JSON.stringify(d)}`),
    error: () => {},
  };
  return { log, warnings };
};

const STREAM_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/items/stream/2026-11-26T00:00:00.000';

/** A poller on the mocked client that keeps what it is given and what it warns, until `done` or 5 s. */
const pollUntil = async (done: (seen: { delivered: DeliveredRecord[]; warnings: string[] }) => boolean) => {
  const delivered: DeliveredRecord[] = [];
  const { log, warnings } = recordingLogger();
  const poller = startCdcPoller({
    streams: new DynamoDBStreamsClient({ region: 'ddblocal' }),
    streamArn: STREAM_ARN,
    deliver: async (records) => {
      delivered.push(...records);
    },
    pollMs: 5,
    log,
  });
  const until = Date.now() + 5_000;
  while (!done({ delivered, warnings }) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  await poller.stop();
  return { delivered, warnings };
};

describe('startCdcPoller', () => {
  const streams = mockClient(DynamoDBStreamsClient);
  afterEach(() => streams.reset());
  const trimmed = () => new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} });
  /** The stream has one shard, `shard-1`. */
  const oneShard = () =>
    streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } });

  it('makes a new iterator after a read that failed, instead of keeping the failing one (b3f3227)', async () => {
    // Prepare: as a file-backed DynamoDB Local does, the first TRIM_HORIZON iterator answers
    // TrimmedDataAccessException to every read; a new one reads the record.
    oneShard()
      .on(GetShardIteratorCommand)
      .resolvesOnce({ ShardIterator: 'stale' })
      .resolves({ ShardIterator: 'fresh' })
      .on(GetRecordsCommand, { ShardIterator: 'stale' })
      .rejects(trimmed())
      .on(GetRecordsCommand, { ShardIterator: 'fresh' })
      .resolves({
        Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '100', Keys: { pk: { S: 'a' } } } }],
        NextShardIterator: 'next',
      })
      .on(GetRecordsCommand, { ShardIterator: 'next' })
      .resolves({ Records: [], NextShardIterator: 'next' });

    // Act: wait (bounded) for the record
    const { delivered, warnings } = await pollUntil((seen) => seen.delivered.length > 0);

    // Assess: the record came, and the known first answer of a fresh start was no warning.
    expect(delivered.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['100']);
    expect(warnings).toEqual([]);
  });

  it('still warns when horizon iterators keep answering trimmed, past the first time', async () => {
    // Prepare: every iterator of the shard is trimmed: not the fresh-start quirk, something to see.
    oneShard()
      .on(GetShardIteratorCommand)
      .resolves({ ShardIterator: 'stale' })
      .on(GetRecordsCommand)
      .rejects(trimmed());

    // Act: wait (bounded) for a warning
    const { warnings } = await pollUntil((seen) => seen.warnings.length > 0);

    // Assess: the first trimmed answer was retried quietly, every later one warned.
    expect(warnings[0]).toMatch(/cdc poll failed; retrying.*trimmed/);
    expect(warnings.length).toBe(streams.commandCalls(GetRecordsCommand).length - 1);
  });

  it('warns at the first trimmed answer after a horizon iterator delivered records', async () => {
    // Prepare: the horizon iterator delivers a record, then its next iterator is trimmed.
    oneShard()
      .on(GetShardIteratorCommand, { ShardIteratorType: 'TRIM_HORIZON' })
      .resolves({ ShardIterator: 'horizon' })
      .on(GetShardIteratorCommand, { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' })
      .resolves({ ShardIterator: 'after' })
      .on(GetRecordsCommand, { ShardIterator: 'horizon' })
      .resolves({
        Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '100', Keys: { pk: { S: 'a' } } } }],
        NextShardIterator: 'next',
      })
      .on(GetRecordsCommand, { ShardIterator: 'next' })
      .rejects(trimmed())
      .on(GetRecordsCommand, { ShardIterator: 'after' })
      .resolves({ Records: [], NextShardIterator: 'after' });

    // Act: wait (bounded) for a warning
    const { delivered, warnings } = await pollUntil((seen) => seen.warnings.length > 0);

    // Assess: the record came once, and the trimmed answer after it warned.
    expect(delivered.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['100']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cdc poll failed; retrying.*trimmed/);
  });
});
