import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  type Shard,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../local';
import type { FaultCounts } from '../../../../local/faults';
import { createDocumentClient, createHttpHandler } from '../../../../shared/aws';
import type { Catalog } from '../../../../shared/catalog';
import { RUNTIME_TABLES, streamEnvVar } from '../../../../shared/config';
import type { EventHandler, EventPublisher } from '../../../../shared/consumer';
import {
  createDynamoStore,
  createKinesisCopyFinder,
  createKinesisPublisher,
  createKinesisShardDirectory,
  defineConsumer,
} from '../../../../shared/consumer';
import { AppliedView } from '../../../../shared/consumer/applied-view';
import { createTable } from '../../helpers/tables';
import type { Container } from './lambda';
import type { RunNames, Shards } from './model';
import type { RunProfile } from './profile';
import type { RaceHooks } from './race';
import { DyingHttpHandler, FUNCTION_TIMEOUT_MS } from './transport';

const aws = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } as const;

/** Clients on a given transport; the SDK's own retries stay on (3 attempts), as in a Lambda. */
export const clientsVia = (endpoints: Endpoints, transport: NodeHttpHandler) => ({
  kinesis: new KinesisClient({ ...aws, endpoint: endpoints.kinesis, requestHandler: transport }),
  dynamo: new DynamoDBClient({ ...aws, endpoint: endpoints.dynamo, requestHandler: transport }),
});

export interface Endpoints {
  readonly kinesis: string;
  readonly dynamo: string;
}

const waitActive = async (kinesis: KinesisClient, stream: string) => {
  for (let i = 0; i < 600; i++) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(100);
  }
  throw new Error(`stream ${stream} did not become ACTIVE`);
};

/** Creates the run's streams and tables directly on the emulators (no faults while provisioning). */
export const provisionRun = async (
  direct: { kinesis: KinesisClient; dynamo: DynamoDBClient },
  names: RunNames,
  shards: Shards,
) => {
  await direct.kinesis.send(new CreateStreamCommand({ StreamName: names.counts, ShardCount: shards.counts }));
  await direct.kinesis.send(
    new CreateStreamCommand({ StreamName: names.milestones, ShardCount: shards.milestones }),
  );
  const t = names.tables;
  await createTable(direct.dynamo, t.checkpoints, RUNTIME_TABLES.checkpoints);
  await createTable(direct.dynamo, t.parking, RUNTIME_TABLES.parking);
  await createTable(direct.dynamo, t.outbox, RUNTIME_TABLES.outbox);
  await createTable(direct.dynamo, t.totals, { partitionKey: 'pk' });
  await createTable(direct.dynamo, t.audit, { partitionKey: 'pk' });
  await waitActive(direct.kinesis, names.counts);
  await waitActive(direct.kinesis, names.milestones);
};

const openShards = async (kinesis: KinesisClient, stream: string): Promise<Shard[]> =>
  ((await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).filter(
    (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined,
  );

const hashOf = (s: Shard, end: 'StartingHashKey' | 'EndingHashKey') => BigInt(s.HashKeyRange?.[end] ?? '0');

/** True when Kinesis puts `partitionKey` in `shard` (MD5 of the key, as a 128-bit number, in its hash range). */
export const keyInShard = (partitionKey: string, shard: Shard): boolean => {
  const hash = BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);
  return hash >= hashOf(shard, 'StartingHashKey') && hash <= hashOf(shard, 'EndingHashKey');
};

/** Called with the shard(s) about to close, just before the split or merge is sent. */
export type BeforeReshard = (parents: readonly Shard[]) => Promise<void>;

const width = (s: Shard) => hashOf(s, 'EndingHashKey') - hashOf(s, 'StartingHashKey');
/** The shard `splitWidest` splits, and where. */
const widestOf = (shards: readonly Shard[]) => {
  const widest = shards.reduce((a, b) => (width(b) > width(a) ? b : a));
  return { widest, middle: hashOf(widest, 'StartingHashKey') + width(widest) / 2n };
};
/** The shards `mergeAdjacent` merges: the first two open shards whose hash ranges touch. */
const adjacentOf = (open: readonly Shard[]): [Shard, Shard] | undefined => {
  const shards = [...open].sort((a, b) =>
    hashOf(a, 'StartingHashKey') < hashOf(b, 'StartingHashKey') ? -1 : 1,
  );
  for (let i = 0; i + 1 < shards.length; i++) {
    const [a, b] = [shards[i], shards[i + 1]];
    if (a && b && hashOf(a, 'EndingHashKey') + 1n === hashOf(b, 'StartingHashKey')) return [a, b];
  }
  return undefined;
};

/** The open shards `splitWidest` (kind `split`) or `mergeAdjacent` (`merge`) would close now. */
export const closingShards = async (
  kinesis: KinesisClient,
  stream: string,
  kind: 'split' | 'merge',
): Promise<Shard[]> => {
  const shards = await openShards(kinesis, stream);
  return kind === 'split' ? [widestOf(shards).widest] : (adjacentOf(shards) ?? []);
};

/**
 * Ids of the open shards that neither `splitWidest` nor the `mergeAdjacent` after it will close: a
 * leftover there can only be recovered by the shard's own invocations.
 */
export const neverClosing = async (kinesis: KinesisClient, stream: string): Promise<Set<string>> => {
  const shards = await openShards(kinesis, stream);
  const { widest, middle } = widestOf(shards);
  const range = (from: bigint, to: bigint): Shard => ({
    ShardId: undefined,
    HashKeyRange: { StartingHashKey: from.toString(), EndingHashKey: to.toString() },
    SequenceNumberRange: undefined,
  });
  const children = [
    range(hashOf(widest, 'StartingHashKey'), middle - 1n),
    range(middle, hashOf(widest, 'EndingHashKey')),
  ];
  const merged = adjacentOf([...shards.filter((s) => s !== widest), ...children]) ?? [];
  const closing = new Set([widest, ...merged].map((s) => s.ShardId));
  return new Set(shards.flatMap((s) => (s.ShardId && !closing.has(s.ShardId) ? [s.ShardId] : [])));
};

/** Splits the open shard with the widest hash range at its middle. */
export const splitWidest = async (
  kinesis: KinesisClient,
  stream: string,
  before?: BeforeReshard,
): Promise<string> => {
  const { widest, middle } = widestOf(await openShards(kinesis, stream));
  await before?.([widest]);
  await kinesis.send(
    new SplitShardCommand({
      StreamName: stream,
      ShardToSplit: widest.ShardId,
      NewStartingHashKey: middle.toString(),
    }),
  );
  await waitActive(kinesis, stream);
  return `split ${widest.ShardId}`;
};

/** Merges the first two open shards whose hash ranges touch. */
export const mergeAdjacent = async (
  kinesis: KinesisClient,
  stream: string,
  before?: BeforeReshard,
): Promise<string> => {
  const pair = adjacentOf(await openShards(kinesis, stream));
  if (!pair) throw new Error('no adjacent open shards to merge');
  const [a, b] = pair;
  await before?.([a, b]);
  await kinesis.send(
    new MergeShardsCommand({ StreamName: stream, ShardToMerge: a.ShardId, AdjacentShardToMerge: b.ShardId }),
  );
  await waitActive(kinesis, stream);
  return `merge ${a.ShardId}+${b.ShardId}`;
};

/** Counts recovery's log searches: `outbox.search.decided` or `.undecided` (deferred, retried later). */
const searchesCounted = (publisher: EventPublisher, counts?: FaultCounts): EventPublisher => ({
  publish: (entries, options) => publisher.publish(entries, options),
  findPublished: async (entries, since, deadline) => {
    try {
      const found = await publisher.findPublished(entries, since, deadline);
      counts?.add('outbox.search.decided');
      return found;
    } catch (error) {
      counts?.add('outbox.search.undecided');
      throw error;
    }
  },
});

/** A fresh container for `service`: its own transport, SDK clients, store, publisher and handler state. */
export const containerFactory = (options: {
  readonly endpoints: Endpoints;
  /** The emulators themselves, past the fault relays: what a calm container's clients use. */
  readonly calmEndpoints?: Endpoints;
  readonly names: RunNames;
  readonly catalog: Catalog;
  readonly service: 'counter' | 'auditor';
  readonly handlers: Readonly<Record<string, EventHandler>>;
  readonly profile?: RunProfile;
  /**
   * Counts each outbox leftover claimed for recovery: `outbox.claimed.own` or `.parent` shard's the
   * first time, `outbox.reclaimed` each time again, `outbox.claimRefused` when held elsewhere.
   */
  readonly counts?: FaultCounts;
  /**
   * Filled with each outbox entry's first claim (`shardId/sk` -> the shard of the claiming invocation):
   * who recovered what a crashed or raced invocation left.
   */
  readonly firstClaims?: Map<string, string>;
  /** The service's checkpoint mode (its subscription's parallelization factor above 1: key). */
  readonly checkpoints: 'shard' | 'key';
}) => {
  // Shared by the service's containers: a claim of an entry some container claimed before is a re-claim.
  const firstClaims = options.firstClaims ?? new Map<string, string>();
  return (calm = false): Container => {
    const { names, profile } = options;
    const transport = new DyingHttpHandler(profile);
    const { kinesis, dynamo } = clientsVia(
      calm && options.calmEndpoints ? options.calmEndpoints : options.endpoints,
      transport,
    );
    const streamOf = (topic: string) => topic;
    const shards = createKinesisShardDirectory(kinesis);
    const store = createDynamoStore({
      client: createDocumentClient(dynamo),
      service: options.service,
      checkpointsTable: names.tables.checkpoints,
      parkingTable: names.tables.parking,
      outboxTable: names.tables.outbox,
      stateTables: { totals: names.tables.totals, audit: names.tables.audit },
    });
    // One invocation at a time per container, so the shard of the current one tells whose leftover a
    // claim recovers: its own shard's (a crashed earlier invocation) or a closed parent's.
    let invokedOn = '';
    const race: RaceHooks = {};
    const handler = defineConsumer(
      { catalog: options.catalog, service: options.service, handlers: options.handlers },
      {
        env: {
          [streamEnvVar(names.counts)]: names.counts,
          [streamEnvVar(names.milestones)]: names.milestones,
        },
        store: {
          ...store,
          // The race at a closing shard's last batch (race.ts): the container dies right after its last
          // commit with an emit.
          commit: async (commit) => {
            // Coalescing at work: each counter event appends one index, so a longer append is several
            // events' updates of one item folded into one write (the model's `counterHandler`).
            for (const w of commit.writes) {
              const folded = w.kind === 'update' ? (w.update.append?.indices?.length ?? 1) - 1 : 0;
              for (let n = 0; n < folded; n++) options.counts?.add('coalesce.folded');
            }
            const gate = race.finalCommit;
            if (
              gate &&
              commit.started === undefined &&
              commit.outbox !== undefined &&
              commit.outbox.length > 0 &&
              commit.position.shardId === invokedOn
            )
              return gate(commit.outbox, () => store.commit(commit));
            return store.commit(commit);
          },
          claimOutbox: async (position, sk, leaseMs, token) => {
            const claimed = await store.claimOutbox(position, sk, leaseMs, token);
            const entry = `${position.shardId}/${sk}`;
            if (!claimed) options.counts?.add('outbox.claimRefused');
            // A second claim of one entry is recovery work done again (a write, then a search).
            else if (firstClaims.has(entry)) options.counts?.add('outbox.reclaimed');
            else {
              options.counts?.add(`outbox.claimed.${position.shardId === invokedOn ? 'own' : 'parent'}`);
              firstClaims.set(entry, invokedOn);
            }
            return claimed;
          },
        },
        publisher: searchesCounted(createKinesisPublisher(kinesis, streamOf), options.counts),
        // The container's own log readers, on its own (dying) transport, as a Lambda's would be.
        copies: profile
          ? profile.copyFinder(createKinesisCopyFinder(kinesis, { shards }))
          : createKinesisCopyFinder(kinesis, { shards }),
        shards,
        // The runtime's contract: at least the function timeout. At 2 s (below it) a claim went stale while
        // its holder was still claiming or searching, and lanes took each other's claims in turn: 1,756
        // claims of 142 leftovers at factor 4, 3,000 events.
        outboxLeaseMs: FUNCTION_TIMEOUT_MS,
      },
    );
    return {
      transport,
      race,
      firstUnapplied: async (event) => {
        const first = event.Records[0];
        if (!first) return undefined;
        const shardId = first.eventID.slice(0, first.eventID.lastIndexOf(':'));
        const topic = options.service === 'counter' ? names.counts : names.milestones;
        const position = { service: options.service, topic, shardId };
        const view = await AppliedView.load(store, position, options.checkpoints, event.Records);
        return event.Records.find((r) => !view.isApplied(r))?.kinesis.sequenceNumber;
      },
      handler: (event, context) => {
        const first = event.Records[0];
        invokedOn = first?.eventID.slice(0, first.eventID.lastIndexOf(':')) ?? '';
        return handler(event, context);
      },
      destroy: () => {
        kinesis.destroy();
        dynamo.destroy();
      },
    };
  };
};

/** Every item of a table, read directly (not through the relays). */
export const scanAll = async (dynamo: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> => {
  const doc = DynamoDBDocumentClient.from(dynamo);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
};

/** The metadata an SQS/SNS on-failure destination gets: shard and sequence range, no records. */
export interface DiscardMetadata {
  readonly topic: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
}

/** Reads the local on-failure destination: Lambda's metadata-only message (see local/esm/failures.ts). */
export const readDiscards = (file: string): DiscardMetadata[] => {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const info = (JSON.parse(l) as { KinesisBatchInfo: Record<string, unknown> }).KinesisBatchInfo;
      const streamArn = String(info.streamArn);
      return {
        topic: streamArn.slice(streamArn.lastIndexOf('/') + 1),
        shardId: String(info.shardId),
        startSequenceNumber: String(info.startSequenceNumber),
        endSequenceNumber: String(info.endSequenceNumber),
        batchSize: Number(info.batchSize),
      };
    });
};

export const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'spine-eo-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
};

/** The transport of Spine's own clients (shared/aws): a request unanswered after 10 s fails and is retried. */
export const directTransport = (): NodeHttpHandler => createHttpHandler();
