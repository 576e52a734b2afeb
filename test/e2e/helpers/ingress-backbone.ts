import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import {
  type Backbone,
  type LambdaHandler,
  type LocalHttpEvent,
  localClientConfig,
  silentLogger,
  startBackbone,
} from '../../../local';
import { type Catalog, defineCatalog } from '../../../shared/catalog';
import { decodeEnvelope, type Envelope } from '../../../shared/envelope';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * The catalog with its services' subscriptions removed: the ingress tests need no consumer polling the
 * streams (and no service code loaded), but the services stay, as writers of their event types.
 */
export const withoutConsumers = (catalog: Catalog): Catalog =>
  defineCatalog({
    topics: catalog.topics,
    producers: catalog.producers,
    eventTypes: catalog.eventTypes,
    services: catalog.services.map((service) => ({ ...service, subscriptions: [] })),
    // CDC sources stay: they are the writers of their captured types.
    ...(catalog.cdcSources ? { cdcSources: catalog.cdcSources } : {}),
  });

export interface IngressBackbone {
  readonly backbone: Backbone;
  readonly url: string;
  readonly kinesis: KinesisClient;
  token(producer: string): string;
  /** POST to `/topics/{topic}/events` as `producer` (default: the catalog's first producer). */
  post(topic: string, body: string, headers?: Record<string, string>, producer?: string): Promise<Response>;
  /** Every record of the topic's stream, every shard, from TRIM_HORIZON to the tip. */
  readStream(topic: string): Promise<(Envelope & { sequenceNumber: string; shardId: string })[]>;
  stop(): Promise<void>;
}

/** One local backbone on free ports and a temp home (one per test file). */
export const startIngressBackbone = async (
  catalog: Catalog,
  ingressHandler?: LambdaHandler<LocalHttpEvent>,
): Promise<IngressBackbone> => {
  const home = mkdtempSync(join(tmpdir(), 'spine-ingress-e2e-'));
  const backbone = await startBackbone({
    catalog,
    root: ROOT,
    home,
    ports: { ingress: 0, kinesis: 0, dynamodb: 0 },
    log: silentLogger,
    // Never restarted: nothing to keep for a next start (local-backbone and crash-restart test that).
    ephemeral: true,
    ...(ingressHandler ? { ingressHandler } : {}),
  });
  const kinesis = new KinesisClient(localClientConfig(backbone.endpoints.kinesis));
  const token = (producer: string) => {
    const value = backbone.producers[producer];
    if (!value) throw new Error(`no dev token for ${producer}`);
    return value;
  };
  const firstProducer = catalog.producers[0]?.name ?? '';
  return {
    backbone,
    url: backbone.endpoints.ingress,
    kinesis,
    token,
    post: (topic, body, headers = { 'content-type': 'application/json' }, producer = firstProducer) =>
      fetch(`${backbone.endpoints.ingress}/topics/${topic}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token(producer)}`, ...headers },
        body,
      }),
    async readStream(topic) {
      const out: (Envelope & { sequenceNumber: string; shardId: string })[] = [];
      const shards = (await kinesis.send(new ListShardsCommand({ StreamName: topic }))).Shards ?? [];
      for (const shard of shards) {
        const shardId = shard.ShardId ?? '';
        let iterator = (
          await kinesis.send(
            new GetShardIteratorCommand({
              StreamName: topic,
              ShardId: shardId,
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          )
        ).ShardIterator;
        while (iterator) {
          const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          for (const r of page.Records ?? [])
            if (r.Data)
              out.push({ ...decodeEnvelope(r.Data), sequenceNumber: r.SequenceNumber ?? '', shardId });
          if ((page.Records ?? []).length === 0) break;
          iterator = page.NextShardIterator;
        }
      }
      return out;
    },
    async stop() {
      kinesis.destroy();
      await backbone.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
};

/** The JSON body of an answer, as a record (fails the test when it is not a JSON object). */
export const jsonBody = async (response: Response): Promise<Record<string, unknown>> => {
  const parsed: unknown = JSON.parse(await response.text());
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('body is not an object');
  return parsed as Record<string, unknown>;
};
