import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { localContext } from '../../cli/local';
import { runRedrive } from '../../shared/ops';
import { opsCatalog, ROOT } from '../fixtures/ops/catalog';
import { OpsHarness, waitUntil } from '../fixtures/ops/harness';

const listed = z.array(
  z.object({
    service: z.string(),
    sequenceNumber: z.string(),
    key: z.string(),
    attempts: z.number(),
    error: z.string(),
    redriveFailedIn: z.string().optional(),
    mayBeApplied: z.boolean().optional(),
  }),
);

describe('spine parked list, show, discard and redrive (local mode)', () => {
  let ops: OpsHarness;
  const broken = (on: boolean) => {
    mkdirSync(ops.flags, { recursive: true });
    if (on) writeFileSync(join(ops.flags, 'broken'), '');
    else rmSync(join(ops.flags, 'broken'), { force: true });
  };
  const parked = async () =>
    listed.parse(JSON.parse((await ops.cli(['parked', 'list', '--service', 'payer', '--json'])).out));

  beforeAll(async () => {
    ops = await OpsHarness.start();
  });
  afterAll(async () => {
    await ops?.stop();
  });

  it('parks poison events, discards one with an audit record, and redrives the other exactly once after the fix', async () => {
    // Prepare: a broken dependency makes fragile events fail; after 2 attempts they are parked
    broken(true);
    const [, k1Fragile] = await ops.publish('payments', 'Payment', [
      { account: 'k1', amount: 1 },
      { account: 'k1', amount: 2, fragile: true },
      { account: 'k1', amount: 3 },
    ]);
    const [k2Fragile] = await ops.publish('payments', 'Payment', [
      { account: 'k2', amount: 50, fragile: true },
    ]);
    await waitUntil('two parked events', async () => (await parked()).length === 2);
    await waitUntil('k1 = 1 + 3', async () => (await ops.balance('payer', 'k1')) === 4);
    // Act
    const list = await parked();
    const human = await ops.cli(['parked', 'list']);
    const show = await ops.cli(['parked', 'show', k1Fragile ?? '', '--service', 'payer']);
    const unconfirmed = await ops.cli(['parked', 'discard', '--service', 'payer', '--seq', k2Fragile ?? '']);
    const discarded = await ops.cli([
      'parked',
      'discard',
      '--service',
      'payer',
      '--seq',
      k2Fragile ?? '',
      '--reason',
      'refunded by hand',
      '--yes',
    ]);
    const stillBroken = await ops.cli(['parked', 'redrive', '--service', 'payer', '--json']);
    const afterFailedRedrive = await parked();
    broken(false);
    // A crash between the commit and the delete of the parked item: the resumed session must not apply it twice.
    const ctx = await localContext(opsCatalog, ROOT, ops.home);
    const crashing = await runRedrive(
      { service: 'payer' },
      {
        ...ctx,
        delivery: {
          deliver: async (...args) => {
            await ctx.delivery.deliver(...args);
            throw new Error('crash after commit');
          },
        },
      },
    ).catch((error: unknown) => String(error));
    ctx.close();
    const afterCrash = { balance: await ops.balance('payer', 'k1'), parked: (await parked()).length };
    const redrive = await ops.cli(['parked', 'redrive', '--service', 'payer']);
    const rerun = await ops.cli(['parked', 'redrive', '--service', 'payer']);
    const audit = await ops.doc.send(
      new QueryCommand({
        TableName: 'spine-parking',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'audit#payer' },
      }),
    );
    const status = await ops.cli(['status', '--service', 'payer']);
    // Assess
    expect(list.map((p) => [p.key, p.attempts])).toEqual([
      ['k1', 2],
      ['k2', 2],
    ]);
    expect(list[0]?.error).toMatch(/downstream is broken/);
    expect(human.out).toMatch(/2 parked event\(s\)/);
    console.log(`spine parked list:\n${human.out}`);
    expect(JSON.parse(show.out)).toMatchObject({
      eventType: 'Payment',
      envelope: { data: { account: 'k1', amount: 2, fragile: true } },
    });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.err).toMatch(/add --yes \[CONFIRMATION_REQUIRED\]/);
    expect(discarded.code).toBe(0);
    expect(audit.Items).toHaveLength(1);
    expect(audit.Items?.[0]).toMatchObject({
      action: 'discard',
      reason: 'refunded by hand',
      partitionKey: 'k2',
      sequenceNumber: k2Fragile,
    });
    expect(stillBroken.code).toBe(1);
    expect(afterFailedRedrive).toMatchObject([
      { key: 'k1', redriveFailedIn: expect.stringMatching(/^redrive-/) },
    ]);
    expect(crashing).toMatch(/crash after commit/);
    expect(afterCrash).toEqual({ balance: 6, parked: 1 });
    expect(redrive.code).toBe(0);
    expect(redrive.out).toMatch(/resumed[\s\S]*redriven 1, failed 0, skipped 0/);
    console.log(`spine parked redrive (resumed after a crash):\n${redrive.out}`);
    expect(rerun.out).toBe('parking lot is empty');
    expect(await ops.balance('payer', 'k1')).toBe(6);
    expect(await ops.balance('payer', 'k2')).toBeUndefined();
    expect(status.out).toMatch(/parking lot: payer 0/);
  });

  it('shows the mayBeApplied flag, and refuses a redrive of every service before redriving any; --force takes the flagged one', async () => {
    // Prepare: a fragile payment parks in payer, a fragile tick in laggard (after payer in the catalog;
    // services on their own topics, so no other test's events park beside them)
    broken(true);
    const [payment] = await ops.publish('payments', 'Payment', [{ account: 'k3', amount: 5, fragile: true }]);
    const [tick] = await ops.publish('ticks', 'Tick', [{ account: 't1', amount: 7, fragile: true }]);
    const all = async () => listed.parse(JSON.parse((await ops.cli(['parked', 'list', '--json'])).out));
    await waitUntil('two parked events (payer, laggard)', async () => (await all()).length === 2);
    broken(false);
    // laggard's tick as the runtime parks an event an earlier invocation may have written alone
    const stored = await ops.doc.send(
      new QueryCommand({
        TableName: 'spine-parking',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'laggard' },
      }),
    );
    await ops.doc.send(
      new UpdateCommand({
        TableName: 'spine-parking',
        Key: { pk: 'laggard', sk: stored.Items?.find((i) => i.sequenceNumber === tick)?.sk },
        UpdateExpression: 'SET mayBeApplied = :yes',
        ExpressionAttributeValues: { ':yes': true },
      }),
    );

    // Act
    const json = await all();
    const human = await ops.cli(['parked', 'list']);
    const plan = await ops.cli(['parked', 'redrive', '--dry-run']);
    const refused = await ops.cli(['parked', 'redrive']);
    const afterRefusal = await all();
    const k3AfterRefusal = await ops.balance('payer', 'k3');
    const forced = await ops.cli([
      'parked',
      'redrive',
      '--service',
      'laggard',
      '--seq',
      tick ?? '',
      '--force',
    ]);
    const rest = await ops.cli(['parked', 'redrive']);

    // Assess
    expect(json.map((p) => [p.service, p.sequenceNumber, p.mayBeApplied])).toEqual([
      ['payer', payment, undefined],
      ['laggard', tick, true],
    ]);
    expect(human.out.split('\n').filter((l) => l.includes('mayBeApplied'))).toHaveLength(1);
    expect(human.out).toMatch(/\bflag\b/);
    expect(plan.code).toBe(0);
    expect(plan.out.split('\n').filter((l) => /planned\s+mayBeApplied/.test(l))).toHaveLength(1);
    expect(refused.code).toBe(2);
    expect(refused.out).toBe('');
    expect(refused.err).toContain(`laggard ticks/shardId-000000000000 seq ${tick}`);
    expect(refused.err).toMatch(/Nothing was redriven[\s\S]*--seq <n> --force[\s\S]*\[MAY_BE_APPLIED\]/);
    expect(afterRefusal).toEqual(json);
    expect(k3AfterRefusal).toBeUndefined();
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/redrive laggard[\s\S]*redriven 1, failed 0, skipped 0/);
    expect(rest.code).toBe(0);
    expect(rest.out).toMatch(/redrive payer[\s\S]*redriven 1, failed 0, skipped 0/);
    expect(await all()).toEqual([]);
    expect([await ops.balance('payer', 'k3'), await ops.balance('laggard', 't1')]).toEqual([5, 7]);
  });
});
