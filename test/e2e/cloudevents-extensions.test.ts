import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { CloudEvent, HTTP, type Message } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program';
import { userView } from '../../index';
import {
  type Backbone,
  localClientConfig,
  localStateTableName,
  localStreamName,
  silentLogger,
  startBackbone,
} from '../../local';
import { catalog, ROOT } from '../fixtures/cloudevents/catalog';
import { signalsIngress } from '../fixtures/cloudevents/ingress';
import { kinesisAt } from '../fixtures/local/helpers';

/** The extension types of the CloudEvents SDKs' conformance events, with values in their JSON form. */
const EXTENSIONS = {
  extstring: 'a string',
  extinteger: 42,
  extboolean: true,
  exturi: 'https://example.com/schemas/x',
  exttimestamp: '2024-05-01T12:00:00Z',
  extbinary: 'AQIDBA==',
};
/** The same, as binary mode carries them: every header value is a canonical string. */
const AS_HEADERS = Object.fromEntries(Object.entries(EXTENSIONS).map(([k, v]) => [k, String(v)]));

const signal = (signalId: string) =>
  new CloudEvent({
    type: 'SignalRaised',
    source: 'https://sensors.example/s-1',
    subject: `rooms/${signalId}`,
    datacontenttype: 'application/json',
    data: { signalId },
    ...EXTENSIONS,
  });

describe('CloudEvents extensions from producer to handler and spine tail (local mode, cloudevents SDK)', () => {
  let backbone: Backbone;
  let home: string;
  let doc: DynamoDBDocumentClient;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'spine-ce-e2e-'));
    backbone = await startBackbone({
      catalog,
      root: ROOT,
      home,
      ports: { ingress: 0, kinesis: 0, dynamodb: 0 },
      log: silentLogger,
      ephemeral: true,
      ingressHandler: signalsIngress,
    });
    doc = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(backbone.endpoints.dynamodb)));
  });
  afterAll(async () => {
    doc?.destroy();
    await backbone?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const send = (message: Message) =>
    fetch(`${backbone.endpoints.ingress}/topics/signals/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${backbone.producers.sensor}`,
        ...Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, String(v)])),
      },
      body: String(message.body),
    });

  /** The record of an event id as kinesis-mock holds it: the raw JSON, the wire form. */
  const record = async (id: string): Promise<Record<string, unknown> | undefined> => {
    const kinesis = kinesisAt(backbone.endpoints.kinesis);
    try {
      const stream = localStreamName('signals');
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
      return (page.Records ?? [])
        .map(
          (r) =>
            JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>,
        )
        .find((r) => r.id === id);
    } finally {
      kinesis.destroy();
    }
  };

  /** What the watcher's handler was handed for an event, once it has run (polled, not slept for). */
  const seen = async (id: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: localStateTableName('watcher', 'seen'),
          Key: { pk: id },
          ConsistentRead: true,
        }),
      );
      // State items carry the runtime's `spine:*` attributes: read as a user would, through userView.
      const item = userView(Item);
      if (item) return item;
      if (Date.now() > deadline) throw new Error(`the handler did not see ${id} within ${timeoutMs} ms`);
      await sleep(200);
    }
  };

  const tail = async (json: boolean) => {
    const out: string[] = [];
    const code = await runCli(
      [
        '--home',
        home,
        '--catalog',
        'test/fixtures/cloudevents/catalog.ts',
        'tail',
        'signals',
        '--from',
        'start',
        '--no-follow',
        ...(json ? ['--json'] : []),
      ],
      {
        out: (s) => out.push(s),
        err: () => undefined,
        signal: new AbortController().signal,
        interactive: false,
        env: process.env,
        cwd: ROOT,
      },
    );
    expect(code).toBe(0);
    return out;
  };

  it('keeps structured-mode extensions in their JSON types in the record, the handler and tail', async () => {
    // Prepare
    const event = signal('s-str');
    // Act
    const response = await send(HTTP.structured(event));
    // Assess
    expect(response.status).toBe(202);
    expect(await record(event.id)).toMatchObject({ subject: 'rooms/s-str', ...EXTENSIONS });
    expect(await seen(event.id)).toEqual({ pk: event.id, subject: 'rooms/s-str', extensions: EXTENSIONS });
    const [line] = (await tail(true))
      .map((l) => JSON.parse(l) as { envelope: { id: string } })
      .filter((l) => l.envelope.id === event.id);
    expect(line?.envelope).toMatchObject({ subject: 'rooms/s-str', extensions: EXTENSIONS });
    const human = (await tail(false)).find((l) => l.includes(`id=${event.id}`));
    expect(human).toContain(' subject="rooms/s-str" extstring="a string" extinteger=42 extboolean=true');
    expect(human).toContain(' extbinary="AQIDBA=="');
  });

  it('keeps binary-mode extensions as the canonical strings their headers carry', async () => {
    // Prepare
    const event = signal('s-bin');
    // Act
    const response = await send(HTTP.binary(event));
    // Assess
    expect(response.status).toBe(202);
    expect(await record(event.id)).toMatchObject({ subject: 'rooms/s-bin', ...AS_HEADERS });
    expect(await seen(event.id)).toEqual({ pk: event.id, subject: 'rooms/s-bin', extensions: AS_HEADERS });
    const human = (await tail(false)).find((l) => l.includes(`id=${event.id}`));
    expect(human).toContain(' extinteger="42" extboolean="true"');
  });
});
