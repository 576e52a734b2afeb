import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, PutItemCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCdcPoller } from '../../../local/cdc';
import { filePositionStore } from '../../../local/esm/positions';
import { silentLogger } from '../../../local/log';
import type { DeliveredRecord } from '../../../shared/cdc';
import { type Emulators, startEmulators, TEST_AWS } from '../helpers/emulators';

const TABLE = 'it-cdc-restart';
const keysOf = (records: readonly DeliveredRecord[]) =>
  records.map((r) => r.dynamodb?.NewImage?.pk?.S ?? '?');

const waitFor = async (what: string, done: () => boolean, ms = 60_000) => {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('local CDC stream poller across a restart', () => {
  let env: Emulators;
  let streamArn = '';
  const dir = mkdtempSync(join(tmpdir(), 'spine-cdc-positions-'));

  beforeAll(async () => {
    env = await startEmulators();
    const created = await env.dynamo.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    streamArn = created.TableDescription?.LatestStreamArn ?? '';
  });

  afterAll(async () => {
    await env?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (pk: string) =>
    env.dynamo.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk } } }));

  const poll = (positions: ReturnType<typeof filePositionStore>, seen: string[]) =>
    startCdcPoller({
      streams: new DynamoDBStreamsClient({ ...TEST_AWS, endpoint: env.dynamoEndpoint }),
      streamArn,
      deliver: async (records) => {
        seen.push(...keysOf(records));
      },
      positions,
      pollMs: 50,
      log: silentLogger,
    });

  it('resumes after the last delivered record instead of delivering the stream again', async () => {
    // Prepare: a poller delivers the first five changes, then stops, as a stopped backbone does.
    const positions = filePositionStore(dir, 'cdc-test', TABLE);
    const first: string[] = [];
    for (const pk of ['a', 'b', 'c', 'd', 'e']) await put(pk);
    const before = poll(positions, first);
    await waitFor('the first five changes', () => first.length >= 5);
    await before.stop();

    // Act: two more changes while it is down, then a new poller on the same positions.
    await put('f');
    await put('g');
    const second: string[] = [];
    const after = poll(filePositionStore(dir, 'cdc-test', TABLE), second);
    await waitFor('the two new changes', () => second.length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    await after.stop();

    // Assess: each change delivered once over both runs, in order.
    expect(first).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(second).toEqual(['f', 'g']);
  });

  it('delivers changes made after it started polling a stream switched on while the table was empty', async () => {
    // Prepare: as local mode does, the stream is switched on for an existing table, then polled empty.
    await env.dynamo.send(
      new CreateTableCommand({
        TableName: 'it-cdc-late-stream',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const enabled = await env.dynamo.send(
      new UpdateTableCommand({
        TableName: 'it-cdc-late-stream',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const seen: string[] = [];
    const streams = new DynamoDBStreamsClient({ ...TEST_AWS, endpoint: env.dynamoEndpoint });
    let emptyReads = 0;
    streams.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'GetRecordsCommand' && seen.length === 0) emptyReads += 1;
        return out;
      },
      { step: 'initialize', name: 'countReads' },
    );
    const poller = startCdcPoller({
      streams,
      streamArn: enabled.TableDescription?.LatestStreamArn ?? '',
      deliver: async (records) => {
        seen.push(...keysOf(records));
      },
      positions: filePositionStore(dir, 'cdc-late', 'it-cdc-late-stream'),
      pollMs: 50,
      log: silentLogger,
    });
    // Polled empty for sure (a fixed 1 s could pass before a loaded machine's first read).
    await waitFor('the poller to read the empty stream', () => emptyReads >= 2);

    // Act
    for (const pk of ['x', 'y']) {
      await env.dynamo.send(new PutItemCommand({ TableName: 'it-cdc-late-stream', Item: { pk: { S: pk } } }));
    }
    await waitFor('the changes made after polling started', () => seen.length >= 2);
    await poller.stop();

    // Assess
    expect(seen).toEqual(['x', 'y']);
  });
});
