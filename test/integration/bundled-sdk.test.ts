import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSpine } from '../../bench/coldstart/bundles';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local';
import { type Emulators, startEmulators } from './helpers/emulators';

const out = mkdtempSync(join(tmpdir(), 'spine-bundled-sdk-'));
let emulators: Emulators | undefined;

beforeAll(async () => {
  emulators = await startEmulators();
}, 180_000);
afterAll(async () => {
  await emulators?.stop();
  rmSync(out, { recursive: true, force: true });
});

/** Runs the bundle's handler in a fresh Node process, as Lambda would: credentials from the environment. */
const invoke = (file: string, env: Record<string, string>, input: unknown): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'const m = await import(process.argv[1]); process.stdout.write(JSON.stringify(await m.handler(JSON.parse(process.argv[2]))));',
        file,
        JSON.stringify(input),
      ],
      { cwd: out, env: { PATH: process.env.PATH ?? '', ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`)),
    );
  });

describe('SDK stand-ins in a SpineFunction bundle (BUNDLE_ALIASES)', () => {
  it('send every kind of Kinesis and DynamoDB call Spine sends, and refuse only event streams', async () => {
    // Prepare
    if (!emulators) throw new Error('emulators did not start');
    await emulators.createStream('bundled', 1);
    await emulators.createIdempotencyTable('bundled-table');
    const bundle = await bundleSpine('test/fixtures/bundled-sdk/entry.ts', undefined, out);
    // Act
    const result = JSON.parse(
      await invoke(
        bundle.file,
        {
          AWS_REGION: LOCAL_REGION,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint,
          AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
        },
        { stream: 'bundled', table: 'bundled-table' },
      ),
    );
    // Assess
    expect(result).toEqual({
      putFailed: 0,
      shards: 1,
      streamStatus: 'ACTIVE',
      recordData: ['hi'],
      itemN: 2,
      batchKeys: ['b', 'c'],
      queryCount: 1,
      scanKeys: ['a', 'b'],
      tableStatus: 'ACTIVE',
      subscribe: 'EventStreamsNotBundledError',
    });
  }, 180_000);
});
