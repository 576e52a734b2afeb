import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../../../example/catalog';
import {
  type Backbone,
  localClientConfig,
  localRuntimeTableName,
  localStateTableName,
  silentLogger,
  startBackbone,
} from '../../../local';
import type { RuntimeTable } from '../../../shared/config';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** How long `post` keeps retrying what a producer retries. */
const RETRY_FOR_MS = 60_000;

/**
 * Whether a producer retries this answer unchanged: a 429/503 in which every event is "not written"
 * (Kinesis answered and refused it, so a retry cannot duplicate it), or a 409 for a key still in flight.
 * An answer with an event of unknown outcome is not retried here: the caller sees it.
 */
const retriable = (status: number, text: string): boolean => {
  let body: { code?: unknown; errors?: { message?: unknown }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return false;
  }
  if (status === 409) return body.code === 'IDEMPOTENCY_IN_FLIGHT';
  const errors = body.errors ?? [];
  return (
    (status === 429 || status === 503) &&
    errors.length > 0 &&
    errors.every((e) => e.message === 'not written')
  );
};

export interface PostOptions {
  readonly idempotencyKey?: string;
}

/** The example system on an in-process local backbone (free ports, temp home), driven over HTTP. */
export interface ExampleSystem {
  readonly backbone: Backbone;
  /**
   * POST /topics/{topic}/events as `producer`, retried after Retry-After as a producer does when nothing
   * was written (see `retriable`); resolves the last HTTP status. A first-try 202 was a bet on the
   * machine's speed: under load the ingress refuses a write it could not make in time, with a 503.
   */
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
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(dynamodb)));
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
      const until = Date.now() + RETRY_FOR_MS;
      for (;;) {
        const response = await fetch(`${ingress}/topics/${topic}/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token(producer)}`,
            'content-type': 'application/json',
            ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
          },
          body: JSON.stringify(body),
        }).catch((error: unknown) => {
          // An answer lost on the wire (seen: ECONNRESET from the local ingress at load ~18, cause not
          // found yet): with a key, the retry is what the key is for; without one it could write twice.
          if (!options.idempotencyKey || Date.now() > until) throw error;
          console.warn(
            `[example-client] POST ${topic} key ${options.idempotencyKey}: ${String(error)}; retrying`,
          );
          return undefined;
        });
        if (!response) continue;
        const text = await response.text();
        if (!retriable(response.status, text) || Date.now() > until) return response.status;
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1_000);
      }
    },
    async get(path) {
      const until = Date.now() + RETRY_FOR_MS;
      for (;;) {
        // A GET is safe to repeat when its answer is lost on the wire (see `post`).
        const response = await fetch(`${ingress}${path}`, {
          headers: { authorization: `Bearer ${token('storefront')}` },
        }).catch((error: unknown) => {
          if (Date.now() > until) throw error;
          console.warn(
            `[example-client] GET ${path}: ${String(error)} ${String((error as { cause?: unknown }).cause)}; retrying`,
          );
          return undefined;
        });
        if (response) return { status: response.status, body: await response.json() };
        await sleep(250);
      }
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

/**
 * Polls `check` until it returns a value other than undefined, or fails naming `what`. 60 s by default
 * (was 30 s): a condition that holds returns at once, and at load ~20 local mode's first answers after
 * ready came 51-60 s later (measured in local-crash-restart.test.ts).
 */
export const eventually = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
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
