import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../../../example/catalog';
import {
  type Backbone,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localRuntimeTableName,
  localStateTableName,
  silentLogger,
  startBackbone,
} from '../../../local';
import type { RuntimeTable } from '../../../shared/config';

const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface PostOptions {
  readonly idempotencyKey?: string;
}

/** The example system on an in-process local backbone (free ports, temp home), driven over HTTP. */
export interface ExampleSystem {
  readonly backbone: Backbone;
  /** POST /topics/{topic}/events as `producer`; resolves the HTTP status. */
  post(producer: string, topic: string, body: unknown, options?: PostOptions): Promise<number>;
  /** GET `path` with the storefront's dev token; resolves status and parsed JSON body. */
  get(path: string): Promise<{ status: number; body: unknown }>;
  /** Every item of a service's state table (test assertions only; the system is driven over HTTP). */
  scan(service: string, table: string): Promise<Record<string, unknown>[]>;
  /** Every item of a runtime table (`parking`, `outbox`, ...). */
  scanRuntime(table: RuntimeTable): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export const startExample = async (): Promise<ExampleSystem> => {
  const home = mkdtempSync(join(tmpdir(), 'spine-example-'));
  const backbone = await startBackbone({
    catalog,
    root: ROOT,
    home,
    ports: { ingress: 0, kinesis: 0, dynamodb: 0 },
    log: silentLogger,
    // Never restarted: nothing to keep for a next start (local-backbone and crash-restart test that).
    ephemeral: true,
  });
  const { ingress, dynamodb } = backbone.endpoints;
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  );
  const scanAll = async (TableName: string) => {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: documents }, { TableName, ConsistentRead: true }))
      items.push(...(page.Items ?? []));
    return items;
  };
  const token = (producer: string) => {
    const value = backbone.producers[producer];
    if (!value) throw new Error(`no dev token for producer ${producer}`);
    return value;
  };
  return {
    backbone,
    async post(producer, topic, body, options = {}) {
      const response = await fetch(`${ingress}/topics/${topic}/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token(producer)}`,
          'content-type': 'application/json',
          ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
        },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      return response.status;
    },
    async get(path) {
      const response = await fetch(`${ingress}${path}`, {
        headers: { authorization: `Bearer ${token('storefront')}` },
      });
      return { status: response.status, body: await response.json() };
    },
    scan: (service, table) => scanAll(localStateTableName(service, table)),
    scanRuntime: (table) => scanAll(localRuntimeTableName(table)),
    async stop() {
      documents.destroy();
      await backbone.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
};

/** Polls `check` until it returns a value other than undefined, or fails naming `what`. */
export const eventually = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 250,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
};

/** Runs `task` over `items` with at most `limit` in flight. */
export const inParallel = async <T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>) => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

/** Every state table of every service in the example catalog, as [service, table] pairs. */
export const allStateTables = (): [string, string][] =>
  catalog.services.flatMap((s) => s.tables.map((t): [string, string] => [s.name, t.name]));
