import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OpsHarness, waitUntil } from '../fixtures/ops/harness';

const statusJson = z.object({
  subscriptions: z.array(
    z.object({
      service: z.string(),
      topic: z.string(),
      paused: z.boolean().optional(),
      checkpoints: z.enum(['shard', 'key']),
      shards: z.array(
        z.object({
          shardId: z.string(),
          events: z.number(),
          lagMs: z.number(),
          checkpoint: z.string().optional(),
          keys: z.number().optional(),
        }),
      ),
    }),
  ),
});

const ACCOUNTS = ['k-1', 'k-2', 'k-3', 'k-4', 'k-5', 'k-6'];

describe('spine status with per-key checkpoints (parallelization factor 2, local mode)', () => {
  let ops: OpsHarness;
  beforeAll(async () => {
    ops = await OpsHarness.start();
  });
  afterAll(async () => {
    await ops?.stop();
  });

  const fanout = async () => {
    const result = await ops.cli(['status', '--service', 'fanout', '--json']);
    expect(result.code).toBe(0);
    const sub = statusJson.parse(JSON.parse(result.out)).subscriptions[0];
    if (!sub) throw new Error('no fanout subscription in status');
    return {
      checkpoints: sub.checkpoints,
      paused: sub.paused,
      shards: sub.shards,
      events: sub.shards.reduce((n, s) => n + s.events, 0),
      lagMs: Math.max(...sub.shards.map((s) => s.lagMs)),
    };
  };
  const burst = (amounts: readonly number[]) =>
    ops.publish(
      'bursts',
      'Burst',
      amounts.map((amount, i) => ({ account: ACCOUNTS[i % ACCOUNTS.length], amount })),
    );

  it('measures lag from the key markers: grows while paused, back to 0 after resume', async () => {
    // Prepare: every key applied once, so each shard's position comes from its key markers only
    await burst([1, 1, 1, 1, 1, 1]);
    await waitUntil('fanout to apply the first events', async () => (await fanout()).events === 0);
    const caughtUp = await fanout();
    expect((await ops.cli(['pause', 'fanout', '--topic', 'bursts'])).code).toBe(0);
    // Act
    await burst([2, 3, 4]);
    const first = await fanout();
    await burst([5, 6, 7, 8]);
    const second = await fanout();
    const human = await ops.cli(['status', '--service', 'fanout']);
    expect((await ops.cli(['resume', 'fanout', '--topic', 'bursts'])).code).toBe(0);
    await waitUntil('fanout to catch up', async () => (await fanout()).events === 0);
    const last = await fanout();
    // Assess
    expect(caughtUp.checkpoints).toBe('key');
    const used = caughtUp.shards.filter((s) => s.keys !== undefined);
    expect(used.reduce((n, s) => n + (s.keys ?? 0), 0)).toBe(ACCOUNTS.length);
    for (const shard of used) expect(shard.checkpoint).toMatch(/^\d+$/);
    expect(first).toMatchObject({ paused: true, events: 3 });
    expect(first.lagMs).toBeGreaterThan(0);
    expect(second).toMatchObject({ paused: true, events: 7 });
    expect(second.lagMs).toBeGreaterThanOrEqual(first.lagMs);
    expect(human.out).toMatch(/fanout <- bursts\s+PAUSED/);
    expect(human.out).toContain('lag is approximate (a slow key can hide behind a fast one)');
    expect(human.out).toMatch(/max …\d{12} \(\d+ keys\)/);
    console.log(`spine status of a parallelization-2 subscription while paused:\n${human.out}`);
    expect(last).toMatchObject({ paused: false, events: 0, lagMs: 0 });
    expect(await ops.balances('fanout')).toEqual({
      'k-1': 1 + 2 + 5,
      'k-2': 1 + 3 + 6,
      'k-3': 1 + 4 + 7,
      'k-4': 1 + 8,
      'k-5': 1,
      'k-6': 1,
    });
  });
});
