import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OpsHarness, waitUntil } from '../fixtures/ops/harness';

const statusJson = z.object({
  subscriptions: z.array(
    z.object({
      service: z.string(),
      topic: z.string(),
      paused: z.boolean().optional(),
      shards: z.array(
        z.object({ shardId: z.string(), events: z.number(), lagMs: z.number(), capped: z.boolean() }),
      ),
    }),
  ),
  parked: z.record(z.string(), z.number()),
});

describe('spine status, pause and resume (local mode)', () => {
  let ops: OpsHarness;
  beforeAll(async () => {
    ops = await OpsHarness.start();
  });
  afterAll(async () => {
    await ops?.stop();
  });

  const laggard = async () => {
    const result = await ops.cli(['status', '--service', 'laggard', '--json']);
    expect(result.code).toBe(0);
    const sub = statusJson.parse(JSON.parse(result.out)).subscriptions[0];
    if (!sub) throw new Error('no laggard subscription in status');
    return {
      paused: sub.paused,
      events: sub.shards.reduce((n, s) => n + s.events, 0),
      lagMs: Math.max(...sub.shards.map((s) => s.lagMs)),
    };
  };

  it('shows lag growing while a consumer is paused and shrinking to zero after it resumes', async () => {
    // Prepare
    expect((await ops.cli(['pause', 'laggard', '--topic', 'ticks'])).code).toBe(0);
    // Act
    await ops.publish(
      'ticks',
      'Tick',
      [1, 2, 3].map((amount) => ({ account: 't-1', amount })),
    );
    const first = await laggard();
    await ops.publish(
      'ticks',
      'Tick',
      [4, 5, 6, 7].map((amount) => ({ account: 't-1', amount })),
    );
    const second = await laggard();
    const human = await ops.cli(['status']);
    const resumed = await ops.cli(['resume', 'laggard', '--topic', 'ticks']);
    await waitUntil('laggard to catch up', async () => (await laggard()).events === 0);
    const last = await laggard();
    // Assess
    expect(first).toMatchObject({ paused: true, events: 3 });
    expect(first.lagMs).toBeGreaterThan(0);
    expect(second).toMatchObject({ paused: true, events: 7 });
    expect(second.lagMs).toBeGreaterThanOrEqual(first.lagMs);
    expect(human.out).toMatch(/laggard <- ticks\s+PAUSED/);
    expect(human.out).toMatch(/█+░*\s+7\s/);
    expect(human.out).toMatch(/parking lot: .*laggard 0/);
    console.log(`spine status while paused:\n${human.out}`);
    expect(resumed.out).toContain('running');
    expect(last).toMatchObject({ paused: false, events: 0, lagMs: 0 });
    expect(await ops.balance('laggard', 't-1')).toBe(28);
  });
});
