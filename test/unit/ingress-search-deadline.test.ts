import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { findEventsInLog, isLogSearchIncompleteError } from '../../shared/ingress';
import { SHARD } from './ingress-log-fixtures';

describe('findEventsInLog bounded by its deadline', () => {
  // app.ts gives the search the Lambda's remaining time less 5 s, but the deadline is only checked
  // between calls: one GetRecords (or ListShards, GetShardIterator, DescribeStreamSummary) that does not
  // answer runs on to the SDK's own bound (requestTimeout 10 s x maxAttempts 3 in shared/aws/clients.ts),
  // past a 30 s Lambda's end: the invocation is killed with claims taken and nothing marked uncertain.
  it('gives up undecided by its deadline when a GetRecords call does not answer', async () => {
    // Prepare: the shard's GetRecords never answers; the deadline is 200 ms away.
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const mock = mockClient(kinesis);
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'at-0' });
    mock.on(GetRecordsCommand).callsFake(() => new Promise(() => undefined));
    const wanted = [{ eventId: 'evt-1', partitionKey: 'o-1' }];
    const search = findEventsInLog(kinesis, 'orders', wanted, Date.now(), {
      deadline: Date.now() + 200,
    }).then(
      () => 'answered',
      (error: unknown) => (isLogSearchIncompleteError(error) ? 'undecided' : 'failed'),
    );
    // Act: what the search says within 5 s (25 times its deadline).
    let bound: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      search,
      new Promise<string>((resolve) => {
        bound = setTimeout(() => resolve('still reading 5 s later'), 5_000);
      }),
    ]);
    clearTimeout(bound);
    // Assess
    expect(outcome).toBe('undecided');
  });
});
