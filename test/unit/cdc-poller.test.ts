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

describe('startCdcPoller', () => {
  const streams = mockClient(DynamoDBStreamsClient);
  afterEach(() => streams.reset());

  it('makes a new iterator after a read that failed, instead of keeping the failing one (b3f3227)', async () => {
    // Prepare: as a file-backed DynamoDB Local does, the first TRIM_HORIZON iterator answers
    // TrimmedDataAccessException to every read; a new one reads the record.
    streams
      .on(DescribeStreamCommand)
      .resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } })
      .on(GetShardIteratorCommand)
      .resolvesOnce({ ShardIterator: 'stale' })
      .resolves({ ShardIterator: 'fresh' })
      .on(GetRecordsCommand, { ShardIterator: 'stale' })
      .rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }))
      .on(GetRecordsCommand, { ShardIterator: 'fresh' })
      .resolves({
        Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '100', Keys: { pk: { S: 'a' } } } }],
        NextShardIterator: 'next',
      })
      .on(GetRecordsCommand, { ShardIterator: 'next' })
      .resolves({ Records: [], NextShardIterator: 'next' });
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

    // Act: wait (bounded) for the record
    const until = Date.now() + 5_000;
    while (delivered.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await poller.stop();

    // Assess: the record came, and the known first answer of a fresh start was no warning.
    expect(delivered.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['100']);
    expect(warnings).toEqual([]);
  });

  it('still warns when horizon iterators keep answering trimmed, past the first time', async () => {
    // Prepare: every iterator of the shard is trimmed: not the fresh-start quirk, something to see.
    streams
      .on(DescribeStreamCommand)
      .resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } })
      .on(GetShardIteratorCommand)
      .resolves({ ShardIterator: 'stale' })
      .on(GetRecordsCommand)
      .rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));
    const { log, warnings } = recordingLogger();
    const poller = startCdcPoller({
      streams: new DynamoDBStreamsClient({ region: 'ddblocal' }),
      streamArn: STREAM_ARN,
      deliver: async () => {},
      pollMs: 5,
      log,
    });

    // Act: wait (bounded) for a warning
    const until = Date.now() + 5_000;
    while (warnings.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await poller.stop();

    // Assess: the first trimmed answer was retried quietly, the second one warned.
    expect(warnings[0]).toMatch(/cdc poll failed; retrying.*trimmed/);
    expect(streams.commandCalls(GetRecordsCommand).length).toBeGreaterThanOrEqual(2);
  });
});
