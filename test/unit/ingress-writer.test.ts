import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { resentSinceOfBytes } from '../../shared/envelope';
import { DEFAULT_PUT_LIMITS, type OutgoingRecord, planBatches, writeRecords } from '../../shared/ingress';

const records = (count: number, bytes = 100, key = (i: number) => `k-${i % 10}`): OutgoingRecord[] =>
  Array.from({ length: count }, (_, index) => ({
    index,
    partitionKey: key(index),
    data: new Uint8Array(bytes),
  }));

const setup = () => {
  const client = new KinesisClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const delays: number[] = [];
  const options = { sleep: async (ms: number) => void delays.push(ms), random: () => 0.5 };
  return { client, mock, delays, options };
};

const accept = (
  input: PutRecordsCommandInput,
  reject: (data: Uint8Array, i: number) => string | undefined = () => undefined,
) => ({
  FailedRecordCount: 0,
  Records: (input.Records ?? []).map((r, i) => {
    const code = reject(r.Data ?? new Uint8Array(), i);
    return code
      ? { ErrorCode: code, ErrorMessage: 'no' }
      : { ShardId: 'shardId-000000000001', SequenceNumber: `seq-${i}` };
  }),
});

describe('planBatches', () => {
  it('puts 1000 small records in 2 calls of 500', () => {
    // Act
    const batches = planBatches(records(1000));
    // Assess
    expect(batches.map((b) => b.length)).toEqual([500, 500]);
  });

  it('cuts by request bytes when records are large, keeping order', () => {
    // Prepare: 20 records of 1.2 MB: 8 fit under 10 MiB (9.6 MB), 9 do not (10.8 MB).
    const big = records(20, 1_200_000);
    // Act
    const batches = planBatches(big);
    // Assess
    expect(DEFAULT_PUT_LIMITS.maxRequestBytes).toBe(10 * 1024 * 1024);
    expect(batches.map((b) => b.length)).toEqual([8, 8, 4]);
    expect(batches.flat().map((r) => r.index)).toEqual(big.map((r) => r.index));
  });
});

describe('writeRecords', () => {
  it('writes 1000 events in 2 PutRecords calls', async () => {
    // Prepare
    const { client, mock, options } = setup();
    mock.on(PutRecordsCommand).callsFake((input) => accept(input));
    // Act
    const outcome = await writeRecords(client, 's', records(1000), options);
    // Assess
    expect(outcome.calls).toBe(2);
    expect(outcome.written.size).toBe(1000);
    expect(mock.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length)).toEqual([
      500, 500,
    ]);
  });

  it('retries only the rejected records, with growing jittered backoff', async () => {
    // Prepare: the first call rejects records 1 and 3; the second rejects nothing.
    const { client, mock, delays, options } = setup();
    mock
      .on(PutRecordsCommand)
      .callsFakeOnce((input) =>
        accept(input, (_, i) => (i === 1 || i === 3 ? 'ProvisionedThroughputExceededException' : undefined)),
      )
      .callsFake((input) => accept(input));
    // Act
    const outcome = await writeRecords(client, 's', records(5), options);
    // Assess
    const calls = mock.commandCalls(PutRecordsCommand);
    expect(calls[1]?.args[0].input.Records?.map((r) => r.PartitionKey)).toEqual(['k-1', 'k-3']);
    expect(outcome.failed.size).toBe(0);
    expect([...outcome.written.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(delays).toEqual([25]);
  });

  it('reports exactly the records still rejected when attempts run out', async () => {
    // Prepare: record 2 is always rejected.
    const { client, mock, delays, options } = setup();
    mock
      .on(PutRecordsCommand)
      .callsFake((input) => accept(input, (data) => (data.byteLength === 7 ? 'InternalFailure' : undefined)));
    const input = records(4).map((r) => (r.index === 2 ? { ...r, data: new Uint8Array(7) } : r));
    // Act
    const outcome = await writeRecords(client, 's', input, options);
    // Assess
    expect([...outcome.failed.entries()]).toEqual([[2, { code: 'InternalFailure', throttled: false }]]);
    expect([...outcome.written.keys()].sort()).toEqual([0, 1, 3]);
    expect(outcome.calls).toBe(5);
    expect(delays).toEqual([25, 50, 100, 200]);
  });

  it('does not send later records of a key whose earlier record finally failed', async () => {
    // Prepare: two batches of 500 (keys k-0..k-9); record 0 (key k-0) is always throttled.
    const { client, mock, options } = setup();
    mock
      .on(PutRecordsCommand)
      .callsFake((input) =>
        accept(input, (data) =>
          data.byteLength === 7 ? 'ProvisionedThroughputExceededException' : undefined,
        ),
      );
    const input = records(1000).map((r) => (r.index === 0 ? { ...r, data: new Uint8Array(7) } : r));
    // Act
    const outcome = await writeRecords(client, 's', input, options);
    // Assess
    expect(outcome.failed.get(0)?.throttled).toBe(true);
    expect(outcome.failed.get(500)?.code).toBe('SkippedAfterKeyFailure');
    expect(outcome.failed.size).toBe(51);
    expect(outcome.written.size).toBe(949);
  });

  it('stops after a call that keeps throwing and marks every record failed', async () => {
    // Prepare
    const { client, mock, options } = setup();
    mock
      .on(PutRecordsCommand)
      .rejects(
        Object.assign(new Error('down'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
      );
    // Act
    const outcome = await writeRecords(client, 's', records(600), options);
    // Assess
    expect(outcome.written.size).toBe(0);
    expect(outcome.failed.size).toBe(600);
    expect(outcome.calls).toBe(5);
  });

  it('gives up retrying when the next delay would pass the deadline', async () => {
    // Prepare
    const { client, mock, options } = setup();
    mock.on(PutRecordsCommand).callsFake((input) => accept(input, () => 'InternalFailure'));
    // Act
    const outcome = await writeRecords(client, 's', records(3), {
      ...options,
      deadline: 1_000,
      now: () => 990,
    });
    // Assess
    expect(outcome.calls).toBe(1);
    expect(outcome.failed.size).toBe(3);
  });

  describe('when an answer is lost', () => {
    const envelopes = (count: number): OutgoingRecord[] =>
      Array.from({ length: count }, (_, index) => ({
        index,
        partitionKey: `k-${index}`,
        data: new TextEncoder().encode(JSON.stringify({ specversion: '1.0', id: `e-${index}` })),
      }));
    const timeout = () => Object.assign(new Error('socket timeout'), { name: 'TimeoutError' });
    const marksOf = (input: PutRecordsCommandInput | undefined) =>
      (input?.Records ?? []).map((r) => resentSinceOfBytes(r.Data ?? new Uint8Array()));

    it('re-sends every record of a call without an answer marked with its first send time', async () => {
      // Prepare: the first call times out, the second is answered.
      const { client, mock, options } = setup();
      mock
        .on(PutRecordsCommand)
        .rejectsOnce(timeout())
        .callsFake((input) => accept(input));
      let clock = 1_000;
      // Act
      const outcome = await writeRecords(client, 's', envelopes(3), { ...options, now: () => (clock += 10) });
      // Assess
      const calls = mock.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
      expect(marksOf(calls[0])).toEqual([undefined, undefined, undefined]);
      expect(marksOf(calls[1])).toEqual([1_010, 1_010, 1_010]);
      expect(outcome.written.size).toBe(3);
      expect(outcome.failed.size).toBe(0);
    });

    it('takes an answer without a verdict for a record (no sequence number, no error code) as unanswered for it', async () => {
      // Prepare: the first answer's entry for record 1 carries neither; the second call answers all.
      const { client, mock, options } = setup();
      mock
        .on(PutRecordsCommand)
        .callsFakeOnce((input: PutRecordsCommandInput) => {
          const answer = accept(input);
          return { ...answer, Records: answer.Records.map((r, i) => (i === 1 ? {} : r)) };
        })
        .callsFake((input) => accept(input));
      const once = await writeRecords(client, 's', envelopes(3), {
        ...options,
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        now: () => 2_000,
      });
      mock.reset();
      mock
        .on(PutRecordsCommand)
        .callsFakeOnce((input: PutRecordsCommandInput) => {
          const answer = accept(input);
          return { ...answer, Records: answer.Records.slice(0, 1) };
        })
        .callsFake((input) => accept(input));
      // Act
      const retried = await writeRecords(client, 's', envelopes(3), { ...options, now: () => 3_000 });
      // Assess: never "not written"; the re-send is marked with the first send time.
      expect(once.failed.get(1)).toEqual({ code: 'MissingResult', throttled: false, uncertain: true });
      const calls = mock.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
      expect(marksOf(calls[1])).toEqual([3_000, 3_000]);
      expect(retried.written.size).toBe(3);
    });

    it('reports a record still failing after an unanswered attempt as uncertain, never as plainly failed', async () => {
      // Prepare: a 500, then a per-record rejection of record 1 until attempts run out.
      const { client, mock, options } = setup();
      mock
        .on(PutRecordsCommand)
        .rejectsOnce(
          Object.assign(new Error('boom'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }),
        )
        .callsFake((input) =>
          accept(input, (data) =>
            new TextDecoder().decode(data).includes('"e-1"') ? 'InternalFailure' : undefined,
          ),
        );
      // Act
      const outcome = await writeRecords(client, 's', envelopes(3), options);
      // Assess
      expect([...outcome.failed]).toEqual([
        [1, { code: 'InternalFailure', throttled: false, uncertain: true }],
      ]);
      const last = mock.commandCalls(PutRecordsCommand).at(-1)?.args[0].input;
      expect(marksOf(last)).toEqual([expect.any(Number)]);
    });

    it('re-sends the records of a call answered with a throttling 4xx unmarked: nothing was stored', async () => {
      // Prepare
      const { client, mock, options } = setup();
      mock
        .on(PutRecordsCommand)
        .rejectsOnce(
          Object.assign(new Error('slow down'), {
            name: 'ProvisionedThroughputExceededException',
            $metadata: { httpStatusCode: 400 },
          }),
        )
        .callsFake((input) => accept(input));
      // Act
      const outcome = await writeRecords(client, 's', envelopes(2), options);
      // Assess
      const calls = mock.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
      expect(calls).toHaveLength(2);
      expect(marksOf(calls[1])).toEqual([undefined, undefined]);
      expect(outcome.written.size).toBe(2);
    });

    it('does not retry a ValidationException and reports it as certainly not written', async () => {
      // Prepare
      const { client, mock, options } = setup();
      mock.on(PutRecordsCommand).rejects(
        Object.assign(new Error('bad'), {
          name: 'ValidationException',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      // Act
      const outcome = await writeRecords(client, 's', envelopes(2), options);
      // Assess
      expect(outcome.calls).toBe(1);
      expect(outcome.failed.get(0)).toEqual({ code: 'ValidationException', throttled: false });
    });

    it('counts a refused connection as certainly not written', async () => {
      // Prepare
      const { client, mock, options } = setup();
      mock
        .on(PutRecordsCommand)
        .rejects(Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error', code: 'ECONNREFUSED' }));
      // Act
      const outcome = await writeRecords(client, 's', envelopes(1), options);
      // Assess
      expect(outcome.failed.get(0)).toEqual({ code: 'Error', throttled: false });
      expect(marksOf(mock.commandCalls(PutRecordsCommand).at(-1)?.args[0].input)).toEqual([undefined]);
    });
  });

  describe("bounded by its claims' lease (callsEndBy)", () => {
    it('starts no call after the lease ends and reports what it never sent as certainly not written', async () => {
      // Prepare: the first call is throttled; the clock then passes the lease end before the retry.
      const { client, mock, options } = setup();
      let clock = 1_000;
      mock.on(PutRecordsCommand).callsFake((input) => {
        clock = 5_000;
        return accept(input, () => 'ProvisionedThroughputExceededException');
      });
      // Act
      const outcome = await writeRecords(client, 's', records(2), {
        ...options,
        now: () => clock,
        callsEndBy: 4_000,
      });
      // Assess
      expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(1);
      expect(outcome.failed.get(0)).toEqual({ code: 'LeaseEnded', throttled: false });
      expect(outcome.written.size).toBe(0);
    });

    it('keeps a record uncertain when an earlier call of it went unanswered before the lease ended', async () => {
      // Prepare
      const { client, mock, options } = setup();
      let clock = 1_000;
      mock.on(PutRecordsCommand).callsFake(() => {
        clock = 5_000;
        throw Object.assign(new Error('socket timeout'), { name: 'TimeoutError' });
      });
      // Act
      const outcome = await writeRecords(client, 's', records(1), {
        ...options,
        now: () => clock,
        callsEndBy: 4_000,
      });
      // Assess
      expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(1);
      expect(outcome.failed.get(0)).toEqual({ code: 'LeaseEnded', throttled: false, uncertain: true });
    });
  });
});
