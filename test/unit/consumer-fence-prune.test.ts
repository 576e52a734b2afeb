import { describe, expect, it } from 'vitest';
import {
  fenceValue,
  graceOld,
  keptValue,
  padSeq,
  settledUnits,
  storedFencesOf,
} from '../../shared/consumer/fence';
import { sweepVerdict, TOMBSTONE_GRACE_MS } from '../../shared/consumer/tombstones';

/**
 * The pruning rule of position fences (review 2026-11-27 F1): a write or a sweep drops another unit's
 * fence only when that unit's checkpoint is at or past it AND the fence was written a grace ago (a
 * request of that unit sent before it settled may still land until then); grace 0 (local mode) drops
 * a settled fence whatever its age. Fences written before they carried a time are stamped when kept.
 */
const T0 = 1_800_000_000_000;
const GRACE = TOMBSTONE_GRACE_MS;
const unit = 'counts|shardId-000000000001';
const itemWith = (value: string) => ({ pk: 'k', [`spine:fence:${unit}`]: value });
/** The unit's checkpoint at 500: settled past a fence at 100. */
const checkpoints = async (units: readonly string[]) => new Map(units.map((u) => [u, '500']));
const prune = (value: string, now: number, graceMs = GRACE, untimedAt = now) =>
  settledUnits(storedFencesOf(itemWith(value)), new Set(), checkpoints, { now, graceMs, untimedAt });

describe('settledUnits (the pruning rule)', () => {
  it('keeps a settled fence written less than a grace ago', async () => {
    const dropped = await prune(fenceValue('100', T0), T0 + GRACE - 1);

    expect([...dropped]).toEqual([]);
  });

  it('drops a settled fence written a grace ago or more', async () => {
    const dropped = await prune(fenceValue('100', T0), T0 + GRACE);

    expect([...dropped]).toEqual([unit]);
  });

  it('drops a settled fence at once with grace 0 (local mode), keeps an unsettled one', async () => {
    const [settled, unsettled] = [
      await prune(fenceValue('100', T0), T0, 0),
      await prune(fenceValue('900', T0), T0 + GRACE, 0),
    ];

    expect([...settled]).toEqual([unit]);
    expect([...unsettled]).toEqual([]);
  });

  it('keeps a settled fence without a time on a write (written before the upgrade: its grace may still run)', async () => {
    const dropped = await prune(padSeq('100'), T0 + 10 * GRACE);

    expect([...dropped]).toEqual([]);
  });
});

describe('fence values', () => {
  it("carry the write's time and still order by sequence number in DynamoDB's byte order", () => {
    const stored = fenceValue('99', T0);
    const below = (a: string, b: string) => a < b;

    expect(storedFencesOf(itemWith(stored)).get(unit)).toEqual({ seq: '99', at: T0, value: stored });
    expect([below(stored, padSeq('100')), below(stored, padSeq('99')), below(stored, padSeq('98'))]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('a kept fence keeps its time; a kept untimed one is stamped with the keeping write', () => {
    const [timed, untimed] = [fenceValue('100', T0), padSeq('100')];

    expect(keptValue(storedFencesOf(itemWith(timed)).get(unit) ?? { seq: '', value: '' }, T0 + 5)).toBe(
      timed,
    );
    expect(keptValue(storedFencesOf(itemWith(untimed)).get(unit) ?? { seq: '', value: '' }, T0 + 5)).toBe(
      fenceValue('100', T0 + 5),
    );
    expect(graceOld({ seq: '100', value: untimed }, { now: T0, graceMs: GRACE, untimedAt: 0 })).toBe(true);
  });
});

describe('sweepVerdict', () => {
  const tombstone = (value: string) => ({
    ...itemWith(value),
    'spine:deleted': true,
    'spine:units': new Set([unit]),
  });

  it('keeps a tombstone whose settled fence is younger than the grace, removes it after', async () => {
    const verdicts = [
      await sweepVerdict(tombstone(fenceValue('100', T0)), checkpoints, {
        now: T0 + GRACE - 1,
        graceMs: GRACE,
      }),
      await sweepVerdict(tombstone(fenceValue('100', T0)), checkpoints, { now: T0 + GRACE, graceMs: GRACE }),
    ];

    expect(verdicts).toEqual(['keep', 'remove']);
  });

  it('removes a due tombstone from before the upgrade (untimed fences are as old as its delete)', async () => {
    const verdict = await sweepVerdict(tombstone(padSeq('100')), checkpoints, { now: T0, graceMs: GRACE });

    expect(verdict).toBe('remove');
  });
});
