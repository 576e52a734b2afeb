import { describe, expect, it } from 'vitest';
import { FaultCounts, FaultSchedule } from '../../local/faults';

describe('FaultSchedule forceOnce', () => {
  it('fires each forced kind once, at the first request it can hit, then only the rates decide', () => {
    // Prepare: rates of 0, so anything that fires was forced.
    const counts = new FaultCounts();
    const schedule = new FaultSchedule({
      service: 'kinesis',
      rates: {},
      seed: 1,
      counts,
      forceOnce: ['partialPutRecords', 'lostResponse', 'throttle'],
    });

    // Act: a read, a one-record put (cannot be partial), a put of 5, then more of everything.
    const kinds = [
      schedule.decide('GetRecords')?.kind,
      schedule.decide('PutRecords', 1)?.kind,
      schedule.decide('PutRecords', 5)?.kind,
      schedule.decide('GetRecords')?.kind,
      schedule.decide('PutRecords', 5)?.kind,
    ];

    // Assess
    expect(kinds).toEqual(['throttle', 'lostResponse', 'partialPutRecords', undefined, undefined]);
    expect(counts.total('kinesis.')).toBe(3);
  });

  it('makes every kind fire within its first eligible requests whatever the seed, at rates as low as 0.001', () => {
    const missed: string[] = [];
    for (let seed = 0; seed < 200; seed++) {
      const counts = new FaultCounts();
      const rates = { lostResponse: 0.001, throttle: 0.001 };
      const schedule = new FaultSchedule({
        service: 'dynamodb',
        rates,
        seed,
        counts,
        forceOnce: ['lostResponse', 'throttle'],
      });
      for (let i = 0; i < 2; i++) schedule.decide('TransactWriteItems');
      for (const kind of ['dynamodb.lostResponse', 'dynamodb.throttle'])
        if (counts.total(kind) === 0) missed.push(`seed ${seed}: ${kind}`);
    }
    expect(missed).toEqual([]);
  });

  it('forces nothing a service cannot see: a DynamoDB schedule never forces a partial PutRecords', () => {
    const counts = new FaultCounts();
    const schedule = new FaultSchedule({
      service: 'dynamodb',
      rates: {},
      seed: 3,
      counts,
      forceOnce: ['partialPutRecords'],
    });

    const kinds = ['GetItem', 'TransactWriteItems', 'PutRecords'].map((op) => schedule.decide(op, 5)?.kind);

    expect(kinds).toEqual([undefined, undefined, undefined]);
  });
});
