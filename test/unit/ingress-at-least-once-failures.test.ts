import { PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../fixtures/apigw';
import { atLeastOnceIngress, post, storedRecords } from './ingress-at-least-once-support';
import { bodyOf, order } from './ingress-support';

const events = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ type: 'OrderImported', data: order(`o-${i}`) }));

/** Kinesis's answer to one call: records whose partition key is in `refuse` fail with `code`. */
const answer = (input: PutRecordsCommandInput, refuse: ReadonlySet<string>, code: string, from: number) => {
  const records = (input.Records ?? []).map((r, i) =>
    refuse.has(r.PartitionKey ?? '')
      ? { ErrorCode: code, ErrorMessage: 'refused' }
      : { ShardId: 'shardId-000000000000', SequenceNumber: String(from + i) },
  );
  return { FailedRecordCount: records.filter((r) => 'ErrorCode' in r).length, Records: records };
};

describe('ingress, at-least-once array, partial failures', () => {
  it('re-sends only the records Kinesis refused and answers 202 once they are in', async () => {
    // Prepare: the first call refuses o-1 (throttled), later calls take everything.
    const { ingress, kinesisMock } = atLeastOnceIngress();
    let call = 0;
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      call += 1;
      return answer(
        input,
        call === 1 ? new Set(['o-1']) : new Set(),
        'ProvisionedThroughputExceededException',
        call * 100,
      );
    });
    // Act
    const result = await ingress(post('importer', 'application/json', events(3)), lambdaContext());
    // Assess: two calls, the second with o-1 alone, the same event unmarked (its refusal was an answer).
    expect(result.statusCode).toBe(202);
    const calls = kinesisMock.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records ?? []);
    expect(calls.map((records) => records.map((r) => r.PartitionKey))).toEqual([
      ['o-0', 'o-1', 'o-2'],
      ['o-1'],
    ]);
    const [refused, resent] = storedRecords(kinesisMock).filter((s) => s.partitionKey === 'o-1');
    expect(resent?.envelope).toEqual(refused?.envelope);
    expect(Buffer.from(calls[1]?.[0]?.Data ?? new Uint8Array()).toString()).not.toContain('spineresent');
    expect(bodyOf(result).results).toMatchObject([
      { sequenceNumber: '100' },
      { sequenceNumber: '200' },
      { sequenceNumber: '102' },
    ]);
  });

  it('answers 429 with the written events and tells the caller to resend only the others', async () => {
    // Prepare: o-1 is refused on every attempt.
    const { ingress, kinesisMock } = atLeastOnceIngress();
    kinesisMock
      .on(PutRecordsCommand)
      .callsFake((input: PutRecordsCommandInput) =>
        answer(input, new Set(['o-1']), 'ProvisionedThroughputExceededException', 1),
      );
    // Act
    const result = await ingress(post('importer', 'application/json', events(3)), lambdaContext());
    // Assess
    expect(result.statusCode).toBe(429);
    const body = bodyOf(result);
    expect(body).toMatchObject({
      code: 'THROTTLED',
      errors: [{ index: 1, message: 'throttled by the log' }],
      results: [{ index: 0 }, { index: 2 }],
    });
    expect(body.message).toBe(
      '1 of 3 events were not written; resend only the events listed in problems (results lists those written: resending them stores them again).',
    );
  });

  it('answers 503 "outcome unknown" for an unanswered call, and says a retry may store a copy', async () => {
    // Prepare: every call goes unanswered.
    const { ingress, kinesisMock } = atLeastOnceIngress({
      writer: { sleep: async () => undefined, retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } },
    });
    kinesisMock
      .on(PutRecordsCommand)
      .rejects(Object.assign(new Error('socket timeout'), { name: 'TimeoutError' }));
    // Act
    const result = await ingress(post('importer', 'application/json', events(2)), lambdaContext());
    // Assess
    expect(result.statusCode).toBe(503);
    const body = bodyOf(result);
    expect(body.message).toBe(
      '2 of 2 events have an unknown outcome: they may be in the log, and without idempotency keys a retry of them may store them twice.',
    );
    expect(body.errors).toMatchObject([
      {
        index: 0,
        message: expect.stringContaining('it has no idempotency key, so a retry adds a new event'),
      },
      { index: 1, message: expect.stringContaining('it has no idempotency key') },
    ]);
  });
});
