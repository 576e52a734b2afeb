import { describe, expect, it } from 'vitest';
import { type CdcSourceSpec, defineCatalog, isCatalogError } from '../../shared/catalog';
import {
  type Change,
  changeEventId,
  coveredBySnapshot,
  roundsByKey,
  snapshotChange as snapshotChangeOrNone,
  streamChange as streamChangeOrNone,
} from '../../shared/cdc';
import type { Envelope } from '../../shared/envelope';

const source: CdcSourceSpec = {
  name: 'items-cdc',
  table: { service: 'store', table: 'items' },
  topic: 'items',
  types: { insert: 'ItemUpserted' },
  versionAttribute: 'version',
};
const image = { pk: { S: 'a' }, version: { N: '3' }, n: { N: '7' } };
const present = (change: Change | undefined): Change => {
  if (!change) throw new Error('expected a change, got none');
  return change;
};
const streamChange = (...args: Parameters<typeof streamChangeOrNone>) => present(streamChangeOrNone(...args));
const snapshotChange = (...args: Parameters<typeof snapshotChangeOrNone>) =>
  present(snapshotChangeOrNone(...args));

describe('CDC changes', () => {
  it('gives a snapshot read and a stream record of the same item version the same event id', () => {
    // Prepare
    const read = snapshotChange(source, image, 1_000);
    const record = streamChange(source, {
      eventName: 'MODIFY',
      dynamodb: { NewImage: image, ApproximateCreationDateTime: 2 },
    });
    const next = streamChange(source, {
      eventName: 'MODIFY',
      dynamodb: { NewImage: { ...image, version: { N: '4' } }, ApproximateCreationDateTime: 3 },
    });
    // Act / Assess
    expect(changeEventId(source.name, read)).toBe(changeEventId(source.name, record));
    expect(changeEventId(source.name, next)).not.toBe(changeEventId(source.name, read));
    expect(read.image).toEqual({ pk: 'a', version: 3, n: 7 });
  });

  it('skips stream changes at or below the snapshot version, never a removal', () => {
    const at = (v: number, eventName = 'MODIFY') =>
      streamChange(source, {
        eventName,
        dynamodb: {
          [eventName === 'REMOVE' ? 'OldImage' : 'NewImage']: { ...image, version: { N: String(v) } },
        },
      });
    expect(coveredBySnapshot(at(2), 3)).toBe(true);
    expect(coveredBySnapshot(at(3), 3)).toBe(true);
    expect(coveredBySnapshot(at(4), 3)).toBe(false);
    expect(coveredBySnapshot(at(3, 'REMOVE'), 3)).toBe(false);
    expect(coveredBySnapshot(at(1), undefined)).toBe(false);
  });

  it('never shows the runtime fences, and reads a Spine tombstone as a removal of the last state (point 7)', () => {
    const fences = {
      'spine:fence:orders|shardId-1': { S: `${'0'.repeat(39)}7` },
      'spine:units': { SS: ['x'] },
    };
    const tombstone = { pk: { S: 'a' }, 'spine:deleted': { BOOL: true }, ...fences };

    const written = streamChange(source, {
      eventName: 'MODIFY',
      dynamodb: { NewImage: { ...image, ...fences } },
    });
    const deleted = streamChange(source, {
      eventName: 'MODIFY',
      dynamodb: { NewImage: tombstone, OldImage: { ...image, ...fences } },
    });

    expect(written.image).toEqual({ pk: 'a', version: 3, n: 7 });
    expect(snapshotChange(source, { ...image, ...fences }, 1).image).toEqual({ pk: 'a', version: 3, n: 7 });
    expect(deleted.kind).toBe('remove');
    expect(deleted.image).toEqual({ pk: 'a', version: 3, n: 7 });
  });

  it('a runtime delete (the item removed, fences and all) is one removal; the later sweep of a tombstone none', () => {
    const fences = {
      'spine:fence:orders|shardId-1': { S: '0017' },
      'spine:units': { SS: ['orders|shardId-1'] },
    };
    const tombstone = { pk: { S: 'a' }, 'spine:deleted': { BOOL: true }, ...fences };

    const removed = streamChange(source, {
      eventName: 'REMOVE',
      dynamodb: { OldImage: { ...image, ...fences } },
    });
    const swept = streamChangeOrNone(source, { eventName: 'REMOVE', dynamodb: { OldImage: tombstone } });

    expect(removed.kind).toBe('remove');
    expect(removed.image).toEqual({ pk: 'a', version: 3, n: 7 });
    expect(swept).toBeUndefined();
  });

  it('a tombstone over a missing item or a tombstone publishes nothing and parks nothing (F7b)', () => {
    const tombstone = { pk: { S: 'a' }, 'spine:deleted': { BOOL: true }, 'spine:units': { SS: ['x'] } };
    const live = { ...image, 'spine:units': { SS: ['x'] } };

    const changes = [
      streamChangeOrNone(source, { eventName: 'INSERT', dynamodb: { NewImage: tombstone } }),
      streamChangeOrNone(source, {
        eventName: 'MODIFY',
        dynamodb: { NewImage: tombstone, OldImage: tombstone },
      }),
      streamChangeOrNone(source, { eventName: 'REMOVE', dynamodb: { OldImage: tombstone } }),
      snapshotChangeOrNone(source, tombstone, 1),
    ];
    const recreated = streamChange(source, {
      eventName: 'MODIFY',
      dynamodb: { NewImage: live, OldImage: tombstone },
    });

    expect(changes).toEqual([undefined, undefined, undefined, undefined]);
    expect(recreated.kind).toBe('insert');
    expect(recreated.image).toEqual({ pk: 'a', version: 3, n: 7 });
  });

  it('publishes at most one change per key per round, in order', () => {
    const e = (key: string, id: string) => ({ partitionkey: key, id }) as unknown as Envelope;
    const rounds = roundsByKey([e('a', '1'), e('b', '2'), e('a', '3'), e('a', '4')]);
    expect(rounds.map((r) => r.map((x) => x.id))).toEqual([['1', '2'], ['3'], ['4']]);
  });
});

describe('defineCatalog with cdcSources', () => {
  it('refuses a captured type written by someone else and keyed off the table key', () => {
    const schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
    const define = () =>
      defineCatalog({
        topics: [{ name: 'items', shards: 1, retentionHours: 24 }],
        producers: [{ name: 'shop' }],
        eventTypes: [
          { type: 'ItemUpserted', topic: 'items', writer: 'shop', keyField: 'id', versions: { 1: schema } },
        ],
        services: [{ name: 'store', entry: 'x.ts', subscriptions: [], tables: [{ name: 'items' }] }],
        cdcSources: [source],
      });
    let error: unknown;
    try {
      define();
    } catch (e) {
      error = e;
    }
    expect(isCatalogError(error)).toBe(true);
    const messages = isCatalogError(error) ? error.problems.map((p) => p.message).join('\n') : '';
    expect(messages).toContain('captured types must name the source "items-cdc" as writer');
    expect(messages).toContain('keyed by "id", which is not a key attribute of the table (pk)');
  });
});
