import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisPublisher, type OutboxEntry } from '../../../shared/consumer';
import { encodeEnvelope } from '../../../shared/envelope';
import { envelopeOf } from '../../fixtures/kinesis';
import { type Emulators, startEmulators } from '../helpers/emulators';

const entry = (n: number, key: string): OutboxEntry => ({
  sk: String(n).padStart(4, '0'),
  topic: 'milestones',
  envelope: {
    ...envelopeOf('MilestoneReached', { counter: key, total: n }, key, `m-${n}`),
    source: '/services/counter',
  },
  createdAt: Date.now(),
  sourceKey: key,
});

describe('Kinesis publisher of emitted events (kinesis-mock)', () => {
  let emulators: Emulators;

  beforeAll(async () => {
    emulators = await startEmulators();
    await emulators.createStream('milestones-stream', 2);
  });

  afterAll(async () => {
    await emulators?.stop();
  });

  it('finds exactly the entries that were published, across shards, when recovering', async () => {
    const publisher = createKinesisPublisher(emulators.kinesis, () => 'milestones-stream');
    const since = Date.now();
    const published = [entry(1, 'a'), entry(2, 'b'), entry(3, 'c'), entry(4, 'a')];
    const lost = [entry(5, 'a'), entry(6, 'd')];

    await publisher.publish(published);
    const found = await publisher.findPublished([...published, ...lost], since, Date.now() + 20_000);

    expect([...found].sort()).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
  });

  it("does not take another source's event with the entry's id and key for the entry", async () => {
    // Prepare: CloudEvents ids are unique per source only; a relay on the same topic reuses the entry's id.
    const publisher = createKinesisPublisher(emulators.kinesis, () => 'milestones-stream');
    const since = Date.now();
    const unpublished = entry(7, 'e');
    const relayed = { ...envelopeOf('OrderRequested', { orderId: 'e' }, 'e', 'm-7'), source: '/relay' };
    await emulators.kinesis.send(
      new PutRecordCommand({
        StreamName: 'milestones-stream',
        PartitionKey: 'e',
        Data: encodeEnvelope(relayed),
      }),
    );
    // Act
    const found = await publisher.findPublished([unpublished], since, Date.now() + 20_000);
    // Assess: not published, so recovery publishes it rather than dropping it.
    expect([...found]).toEqual([]);
  });
});
