import type { KinesisStreamRecord } from 'aws-lambda';
import {
  type Checkpoint,
  type ConsumerStore,
  compareSequence,
  keyMarkerSk,
  type ShardPosition,
} from './store';

const atOrBelow = (seq: string, done: string | undefined): boolean =>
  done !== undefined && compareSequence(seq, done) <= 0;

/**
 * What this batch has already applied, across both checkpoint namespaces, so a change of the
 * parallelization factor never applies an event twice: key mode also reads the shard checkpoint
 * (one more key in its BatchGet) and shard mode, once the shard item says `keyMarkers`, also reads
 * the batch's key markers (one more BatchGet, only on shards that ran in key mode). A record is
 * applied when it is at or below either. Moves are conditional on the item's own value (`own`).
 */
export class AppliedView {
  private constructor(
    private readonly skOf: (r: KinesisStreamRecord) => string,
    private readonly mine: Map<string, string | undefined>,
    private readonly other: (r: KinesisStreamRecord) => string | undefined,
    readonly loaded: ReadonlyMap<string, Checkpoint>,
    /** Key mode: the shard checkpoint does not carry `keyMarkers` yet; the first commit sets it. */
    public needsKeyMarkersFlag: boolean,
  ) {}

  static async load(
    store: ConsumerStore,
    position: ShardPosition,
    mode: 'shard' | 'key',
    records: readonly KinesisStreamRecord[],
  ): Promise<AppliedView> {
    const shardId = position.shardId;
    const markerOf = (r: KinesisStreamRecord) => keyMarkerSk(shardId, r.kinesis.partitionKey);
    const markers = [...new Set(records.map(markerOf))];
    if (mode === 'key') {
      const loaded = await store.loadCheckpoints(position, [shardId, ...markers]);
      const shard = loaded.get(shardId)?.sequenceNumber;
      const own = new Map(markers.map((sk) => [sk, loaded.get(sk)?.sequenceNumber]));
      return new AppliedView(markerOf, own, () => shard, loaded, loaded.get(shardId)?.keyMarkers !== true);
    }
    const loaded = new Map(await store.loadCheckpoints(position, [shardId]));
    if (loaded.get(shardId)?.keyMarkers === true)
      for (const [sk, cp] of await store.loadCheckpoints(position, markers)) loaded.set(sk, cp);
    const own = new Map([[shardId, loaded.get(shardId)?.sequenceNumber]]);
    return new AppliedView(
      () => shardId,
      own,
      (r) => loaded.get(markerOf(r))?.sequenceNumber,
      loaded,
      false,
    );
  }

  sk(record: KinesisStreamRecord): string {
    return this.skOf(record);
  }

  /** The item's own last committed sequence number: the condition of its next move. */
  own(sk: string): string | undefined {
    return this.mine.get(sk);
  }

  moved(sk: string, seq: string): void {
    this.mine.set(sk, seq);
  }

  isApplied(record: KinesisStreamRecord): boolean {
    const seq = record.kinesis.sequenceNumber;
    return atOrBelow(seq, this.mine.get(this.skOf(record))) || atOrBelow(seq, this.other(record));
  }
}
