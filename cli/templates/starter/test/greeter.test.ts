import { defineService, MemoryConsumerStore, MemoryPublisher, streamEnvVar } from 'spine';
import { describe, expect, it } from 'vitest';
import { catalog } from '../catalog';
import { greeter } from '../services/greeter';
import { batchOf } from './kinesis';

// The service's handlers run through Spine's real consumer runtime, on the in-memory store.
const run = (store: MemoryConsumerStore) =>
  defineService(catalog, 'greeter', greeter, {
    env: { [streamEnvVar('greetings')]: 'greetings' },
    store,
    publisher: new MemoryPublisher(),
    backoff: false,
    logReaders: false, // no Kinesis in a unit test
  });

describe('greeter', () => {
  it('counts the greetings of each name and keeps the last message', async () => {
    // Given: no state yet
    const store = new MemoryConsumerStore(['counts']);

    // When: Ada is greeted twice and Grace once
    const result = await run(store)(
      batchOf('greetings', [
        { type: 'Greeted', key: 'ada', data: { name: 'ada', message: 'hello' } },
        { type: 'Greeted', key: 'grace', data: { name: 'grace', message: 'hi' } },
        { type: 'Greeted', key: 'ada', data: { name: 'ada', message: 'again' } },
      ]),
    );

    // Then
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.getItem('counts', 'ada')).toMatchObject({ count: 2, lastMessage: 'again' });
    expect(await store.getItem('counts', 'grace')).toMatchObject({ count: 1, lastMessage: 'hi' });
  });
});
