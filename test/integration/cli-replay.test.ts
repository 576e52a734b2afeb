import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { localContext } from '../../cli/local';
import { parsePosition, runReplay } from '../../shared/ops';
import { opsCatalog, ROOT } from '../fixtures/ops/catalog';
import { OpsHarness, waitUntil } from '../fixtures/ops/harness';

const CHECKPOINTS = 'spine-checkpoints';
const tailLine = z.object({
  sequenceNumber: z.string(),
  envelope: z.object({ type: z.string(), partitionkey: z.string(), data: z.record(z.string(), z.unknown()) }),
});
const outcome = z.object({
  delivered: z.number(),
  interrupted: z.boolean(),
  dryRun: z.boolean(),
  plan: z.object({
    mode: z.string(),
    keys: z.number().optional(),
    shards: z.array(z.object({ records: z.number(), alreadyApplied: z.number().optional() })),
  }),
});

describe('spine publish, tail and replay (local mode)', () => {
  let ops: OpsHarness;
  const flag = (name: string, on: boolean) => {
    mkdirSync(ops.flags, { recursive: true });
    if (on) writeFileSync(join(ops.flags, name), '');
    else rmSync(join(ops.flags, name), { force: true });
  };
  const live = async (service: string) =>
    (
      await ops.doc.send(
        new GetCommand({
          TableName: CHECKPOINTS,
          Key: { pk: `${service}#ledger`, sk: 'shardId-000000000000' },
          ConsistentRead: true,
        }),
      )
    ).Item;
  const settled = (service: string, account: string, balance: number) =>
    waitUntil(
      `${service}/${account} = ${balance}`,
      async () => (await ops.balance(service, account)) === balance,
    );

  beforeAll(async () => {
    ops = await OpsHarness.start();
    // Use case 1's service was deployed with its delivery paused: nothing applied before the backfill.
    expect((await ops.cli(['pause', 'late', '--topic', 'ledger'])).code).toBe(0);
  });
  afterAll(async () => {
    await ops?.stop();
  });

  it('publishes through the ingress (validated) and tails the topic filtered by key and type', async () => {
    // Act
    const ok = await ops.cli([
      'publish',
      'ledger',
      '--type',
      'Deposit',
      '--data',
      '{"account":"a-pub","amount":5}',
      '--json',
    ]);
    const invalid = await ops.cli([
      'publish',
      'ledger',
      '--type',
      'Deposit',
      '--data',
      '{"account":"a-pub"}',
    ]);
    await ops.publish('ledger', 'Deposit', [{ account: 'a-other', amount: 1 }]);
    const tail = await ops.cli([
      'tail',
      'ledger',
      '--from',
      'start',
      '--no-follow',
      '--key',
      'a-pub',
      '--json',
    ]);
    const human = await ops.cli([
      'tail',
      'ledger',
      '--from',
      'start',
      '--no-follow',
      '--type',
      'Deposit',
      '--limit',
      '1',
    ]);
    // Assess
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ status: 202 });
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/400 rejected/);
    const lines = tail.out.split('\n').map((l) => tailLine.parse(JSON.parse(l)));
    expect(lines.map((l) => l.envelope.data)).toEqual([{ account: 'a-pub', amount: 5 }]);
    expect(human.out.split('\n')).toHaveLength(1);
    expect(human.out).toMatch(/Deposit v1 key=a-pub id=\S+ \{"account":"a-pub","amount":5\}/);
    await settled('accounts', 'a-pub', 5);
  });

  it('use case 2: after a PITR restore to X, replay --from X re-applies exactly what the restore lost', async () => {
    // Prepare: three deposits applied, then a "backup" of the state table and the checkpoint at X
    await ops.publish(
      'ledger',
      'Deposit',
      [1, 2, 3].map((amount) => ({ account: 'p1', amount })),
    );
    await settled('accounts', 'p1', 6);
    const backup =
      (await ops.doc.send(new ScanCommand({ TableName: 'spine-accounts-balances' }))).Items ?? [];
    const checkpoint = await live('accounts');
    await sleep(50);
    const x = new Date().toISOString();
    await ops.publish('ledger', 'Deposit', [
      { account: 'p1', amount: 10 },
      { account: 'p1', amount: 20 },
      { account: 'p2', amount: 7 },
    ]);
    await settled('accounts', 'p2', 7);
    // The restore: live delivery paused first, then the tables as they were at X (state and checkpoint).
    expect((await ops.cli(['pause', 'accounts', '--topic', 'ledger'])).code).toBe(0);
    for (const item of (await ops.doc.send(new ScanCommand({ TableName: 'spine-accounts-balances' })))
      .Items ?? [])
      await ops.doc.send(new DeleteCommand({ TableName: 'spine-accounts-balances', Key: { pk: item.pk } }));
    for (const item of backup)
      await ops.doc.send(new PutCommand({ TableName: 'spine-accounts-balances', Item: item }));
    await ops.doc.send(new PutCommand({ TableName: CHECKPOINTS, Item: checkpoint }));
    expect(await ops.balance('accounts', 'p1')).toBe(6);
    // Act
    const dry = await ops.cli([
      'replay',
      'accounts',
      '--topic',
      'ledger',
      '--from',
      x,
      '--dry-run',
      '--json',
    ]);
    const run = await ops.cli(['replay', 'accounts', '--topic', 'ledger', '--from', x, '--mode', 'live']);
    await ops.publish('ledger', 'Deposit', [{ account: 'p1', amount: 100 }]);
    // Assess
    expect(outcome.parse(JSON.parse(dry.out)).plan.shards[0]).toMatchObject({
      records: 3,
      alreadyApplied: 0,
    });
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/done: 3 record\(s\) delivered; live delivery resumed/);
    console.log(`spine replay (PITR):\n${run.out}`);
    expect(await ops.balance('accounts', 'p2')).toBe(7);
    await settled('accounts', 'p1', 136);
  });

  it('use case 3: rebuild recomputes the keys of a range once each, resuming after an interruption', async () => {
    // Prepare: a bug counts every deposit twice
    flag('bug', true);
    const before = new Date().toISOString();
    await ops.publish('ledger', 'Deposit', [
      ...Array.from({ length: 12 }, () => ({ account: 'r1', amount: 1 })),
      { account: 'r2', amount: 5 },
    ]);
    await settled('accounts', 'r2', 10);
    expect(await ops.balance('accounts', 'r1')).toBe(24);
    flag('bug', false);
    // Act 1: interrupted after the first batch of 10 (as Ctrl-C would), then the CLI run resumes it.
    const ctx = await localContext(opsCatalog, ROOT, ops.home);
    const stop = new AbortController();
    const first = await runReplay(
      { service: 'accounts', topic: 'ledger', mode: 'rebuild', from: parsePosition(before) },
      ctx,
      { signal: stop.signal, onProgress: (done) => done > 0 && stop.abort() },
    );
    ctx.close();
    const midway = {
      r1: await ops.balance('accounts', 'r1'),
      paused: (await ops.cli(['status', '--json'])).out,
    };
    const dry = await ops.cli([
      'replay',
      'accounts',
      '--topic',
      'ledger',
      '--mode',
      'rebuild',
      '--from',
      before,
      '--dry-run',
    ]);
    const resumed = await ops.cli([
      'replay',
      'accounts',
      '--topic',
      'ledger',
      '--mode',
      'rebuild',
      '--from',
      before,
    ]);
    await ops.publish('ledger', 'Deposit', [{ account: 'r1', amount: 1 }]);
    // Assess
    expect(first).toMatchObject({ interrupted: true, delivered: 10, leftPaused: true });
    expect(first.plan).toMatchObject({ keys: 2, shards: [{ records: 13 }] });
    expect(midway.r1).toBe(10);
    expect(midway.paused).toMatch(/"paused": true/);
    expect(dry.out).toMatch(/\(resuming\)/);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/done: 3 record\(s\) delivered; live delivery resumed/);
    console.log(`spine replay --mode rebuild (resumed):\n${resumed.out}`);
    expect(await ops.balance('accounts', 'r2')).toBe(5);
    await settled('accounts', 'r1', 13);
    expect(await ops.balance('accounts', 'p1')).toBe(136);
  });

  it('use case 1: a new service backfills from the start of retention, then live delivery adds only new events', async () => {
    // Prepare
    const truth = await ops.balances('accounts');
    expect(await ops.balances('late')).toEqual({});
    // Act
    const inLog = (await ops.cli(['tail', 'ledger', '--from', 'start', '--no-follow', '--json'])).out.split(
      '\n',
    ).length;
    const run = await ops.cli([
      'replay',
      'late',
      '--topic',
      'ledger',
      '--from',
      'start',
      '--mode',
      'live',
      '--json',
    ]);
    const backfilled = await ops.balances('late');
    await ops.publish('ledger', 'Deposit', [{ account: 'a-pub', amount: 1 }]);
    // Assess
    expect(run.code).toBe(0);
    expect(outcome.parse(JSON.parse(run.out))).toMatchObject({ interrupted: false, delivered: inLog });
    expect(backfilled).toEqual(truth);
    await settled('late', 'a-pub', 6);
    await settled('accounts', 'a-pub', 6);
    expect(await ops.balance('late', 'r1')).toBe(13);
  });

  it('mode session applies a range once per session (not deduped against live) and blocks other modes until done', async () => {
    // Prepare
    const from = new Date().toISOString();
    await ops.publish('ledger', 'Deposit', [{ account: 's1', amount: 3 }]);
    await settled('accounts', 's1', 3);
    const interrupted = new AbortController();
    interrupted.abort();
    // Act
    const stopped = await ops.cli(
      ['replay', 'accounts', '--topic', 'ledger', '--mode', 'session', '--from', from],
      interrupted.signal,
    );
    const conflict = await ops.cli([
      'replay',
      'accounts',
      '--topic',
      'ledger',
      '--mode',
      'rebuild',
      '--from',
      from,
    ]);
    const finished = await ops.cli([
      'replay',
      'accounts',
      '--topic',
      'ledger',
      '--mode',
      'session',
      '--from',
      from,
    ]);
    const again = await ops.cli([
      'replay',
      'accounts',
      '--topic',
      'ledger',
      '--mode',
      'rebuild',
      '--from',
      from,
      '--dry-run',
    ]);
    // Assess
    expect(stopped.code).toBe(130);
    expect(stopped.out).toMatch(/interrupted after 0 record\(s\); rerun the same command to resume/);
    expect(conflict.code).toBe(3);
    expect(conflict.err).toMatch(/unfinished session replay .* --abandon \[SESSION_CONFLICT\]/);
    expect(finished.out).toMatch(/\(resuming\)[\s\S]*done: 1 record\(s\) delivered/);
    expect(await ops.balance('accounts', 's1')).toBe(6);
    expect(again.code).toBe(0);
  });

  it('rejects unknown names and bad positions with exit codes 3 and 2', async () => {
    // Act
    const unknown = await ops.cli(['replay', 'nobody', '--topic', 'ledger']);
    const notSubscribed = await ops.cli(['replay', 'accounts', '--topic', 'ticks']);
    const badFrom = await ops.cli(['replay', 'accounts', '--topic', 'ledger', '--from', 'yesterday-ish']);
    // Assess
    expect(unknown).toMatchObject({ code: 3 });
    expect(unknown.err).toMatch(/no service "nobody"/);
    expect(notSubscribed.err).toMatch(/does not subscribe to "ticks"/);
    expect(badFrom.code).toBe(2);
    expect(badFrom.err).toMatch(/not a position/);
  });
});
