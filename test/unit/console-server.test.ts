import { describe, expect, it } from 'vitest';
import type { OpsContext } from '../../cli/context';
import { type ConsoleServer, guardRequest, LagHistory, startConsole } from '../../console';
import type { ParkedSummary } from '../../console/api-types';
import { IDLE_SOCKET_MS } from '../../local/net';
import type { OpsStore, ParkedItem } from '../../shared/ops';
import { opsCatalog } from '../fixtures/ops/catalog';

const PORT = 4100;

describe('guardRequest', () => {
  it.each([
    [{ host: `127.0.0.1:${PORT}` }],
    [{ host: `localhost:${PORT}`, origin: `http://localhost:${PORT}` }],
    [{ host: `127.0.0.1:${PORT}`, origin: `http://127.0.0.1:${PORT}`, 'sec-fetch-site': 'same-origin' }],
  ])('lets the page and local tools through: %o', (headers) => {
    expect(() => guardRequest(headers, PORT)).not.toThrow();
  });

  it.each([
    [{ host: `evil.example:${PORT}` }, 'Host "evil.example'],
    [{ host: `127.0.0.1:${PORT + 1}` }, 'Host'],
    [{}, 'Host ""'],
    [{ host: `127.0.0.1:${PORT}`, origin: 'http://evil.example' }, 'Origin "http://evil.example"'],
    [{ host: `127.0.0.1:${PORT}`, origin: `https://127.0.0.1:${PORT}` }, 'Origin'],
    [{ host: `127.0.0.1:${PORT}`, 'sec-fetch-site': 'cross-site' }, 'cross-site'],
  ])('refuses %o with a message naming what is wrong', (headers, message) => {
    expect(() => guardRequest(headers, PORT)).toThrow(message);
  });
});

describe('LagHistory', () => {
  it('keeps the newest samples, totals them, and aligns shards with gaps', () => {
    // Prepare
    const history = new LagHistory(3);

    // Act
    history.add('s<-t', 1, { a: 1 });
    history.add('s<-t', 2, { a: 2, b: 5 });
    history.add('s<-t', 3, { b: 4 });
    history.add('s<-t', 4, { a: 0, b: 1 });

    // Assess
    expect(history.totals('s<-t')).toEqual([7, 4, 1]);
    expect(history.view('s<-t')).toEqual({ at: [2, 3, 4], shards: { a: [2, null, 0], b: [5, 4, 1] } });
    expect(history.view('other')).toEqual({ at: [], shards: {} });
  });
});

const parkedItem: ParkedItem = {
  pk: 'payer',
  sk: 'payments#shardId-000000000000#49600000000000000000000000000001',
  topic: 'payments',
  shardId: 'shardId-000000000000',
  sequenceNumber: '49600000000000000000000000000001',
  partitionKey: 'k1',
  data: Buffer.from('{"not":"an envelope"}').toString('base64'),
  attempts: 2,
  arrivedAt: 1_700_000_000_000,
  error: 'boom',
};

/** An ops context whose parking lot holds one item and records discards, as the DynamoDB store would. */
const fakeContext = (more: readonly ParkedItem[] = []) => {
  const parked = [parkedItem, ...more];
  const audits: { item: ParkedItem; audit: { by: string; reason: string } }[] = [];
  const store: Partial<OpsStore> = {
    parked: async (service) => parked.filter((p) => p.pk === service),
    parkedCount: async (service) => parked.filter((p) => p.pk === service).length,
    checkpoints: async () => [],
    getSession: async () => undefined,
    discardParked: async (item, audit) => {
      parked.splice(parked.indexOf(item), 1);
      audits.push({ item, audit });
    },
  };
  const ctx = {
    target: 'fake',
    catalog: opsCatalog,
    region: 'local',
    operator: 'tester@local',
    store,
    reader: { shards: async () => [], streamArn: async () => 'arn', read: async function* () {} },
    control: { isPaused: async () => false, pause: async () => {}, resume: async () => {} },
    close: () => {},
  } as unknown as OpsContext;
  return { ctx, parked, audits };
};

describe('startConsole API', () => {
  const withServer = async (
    run: (server: ConsoleServer, fake: ReturnType<typeof fakeContext>) => Promise<void>,
    more: readonly ParkedItem[] = [],
  ) => {
    const fake = fakeContext(more);
    const server = await startConsole({ ctx: fake.ctx, port: 0, intervalMs: 60_000, log: () => {} });
    try {
      await run(server, fake);
    } finally {
      await server.close();
    }
  };
  const discard = (server: ConsoleServer, body: unknown, origin?: string) =>
    fetch(`${server.url}api/parked/payer/payments/${parkedItem.sequenceNumber}/discard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(origin && { origin }) },
      body: JSON.stringify(body),
    });

  it('keeps idle keep-alive sockets IDLE_SOCKET_MS, as its Keep-Alive header tells clients', async () => {
    await withServer(async (server) => {
      // Act
      const page = await fetch(server.url);

      // Assess
      expect(page.headers.get('keep-alive')).toBe(`timeout=${IDLE_SOCKET_MS / 1000}`);
    });
  });

  it('serves the page and refuses a discard from a foreign Origin, leaving the event parked', async () => {
    await withServer(async (server, fake) => {
      // Act
      const page = await fetch(server.url);
      const refused = await discard(server, { reason: 'x' }, 'http://evil.example');

      // Assess
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module" src="/app.js">');
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ code: 'FORBIDDEN', error: expect.stringContaining('Origin') });
      expect(fake.parked).toHaveLength(1);
    });
  }, 30_000);

  it('discards only with a reason, writing the audit record with who and why', async () => {
    await withServer(async (server, fake) => {
      // Act
      const noReason = await discard(server, { reason: '  ' }, server.url.replace(/\/$/, ''));
      const done = await discard(server, { reason: 'refunded by hand' }, server.url.replace(/\/$/, ''));
      const again = await discard(server, { reason: 'twice' });

      // Assess
      expect(noReason.status).toBe(400);
      expect(done.status).toBe(200);
      expect(await done.json()).toMatchObject({ audit: 'audit#payer', discarded: { key: 'k1' } });
      expect(fake.audits.map((a) => a.audit)).toMatchObject([
        { by: 'tester@local (console)', reason: 'refunded by hand' },
      ]);
      expect(again.status).toBe(404);
    });
  }, 30_000);

  it('shows an undecodable parked event raw, and answers unknown paths with 404', async () => {
    await withServer(async (server) => {
      // Act
      const shown = await (
        await fetch(`${server.url}api/parked/payer/payments/${parkedItem.sequenceNumber}`)
      ).json();
      const missing = await fetch(`${server.url}api/nothing`);

      // Assess
      expect(shown).toMatchObject({ error: 'boom', event: { raw: '{"not":"an envelope"}' } });
      expect(missing.status).toBe(404);
    });
  }, 30_000);

  it('lists the mayBeApplied flag and refuses to redrive a flagged event (409), leaving it parked', async () => {
    // Prepare: a second event, parked flagged (an earlier invocation may have written it alone)
    const flagged: ParkedItem = {
      ...parkedItem,
      sk: 'payments#shardId-000000000000#49600000000000000000000000000002',
      sequenceNumber: '49600000000000000000000000000002',
      partitionKey: 'k2',
      mayBeApplied: true,
    };
    await withServer(
      async (server, fake) => {
        // Act
        const list = (await (await fetch(`${server.url}api/parked`)).json()) as ParkedSummary[];
        const redrive = await fetch(
          `${server.url}api/parked/payer/payments/${flagged.sequenceNumber}/redrive`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          },
        );

        // Assess
        expect(list.map((p) => [p.key, p.mayBeApplied])).toEqual([
          ['k1', undefined],
          ['k2', true],
        ]);
        expect(redrive.status).toBe(409);
        expect(await redrive.json()).toEqual({
          code: 'MAY_BE_APPLIED',
          error: expect.stringContaining('--seq <n> --force'),
        });
        expect(fake.parked).toHaveLength(2);
      },
      [flagged],
    );
  }, 30_000);
});
