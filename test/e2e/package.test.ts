import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputNames } from '../../infra/output-names';
import { eventually, pickPorts } from './helpers/local-process';

/**
 * Spine as a team uses it: packed (`npm pack`, which builds dist/ in `prepack`), a starter project
 * written by `spine init` in a temp dir outside the repo, the tarball installed there, and a second
 * service added by editing only that project. Then, in that project: `npm test`, `npx cdk synth` and
 * `npm start` with a publish and a read of the state through the project's own query routes.
 * Slow by nature (a build, an install, a synth that bundles every function): one `it` per step, in
 * order, each reusing the previous one's project; the steps' times are printed.
 */
const REPO = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const timings: Record<string, number> = {};

const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[name] = Date.now() - started;
  }
};

/** The environment of the project's commands: plain output (vitest's own run forces colour). */
const plainEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return env;
};

/** Runs a command; on failure the error carries its whole output. */
const sh = async (command: string, args: string[], cwd: string) => {
  try {
    return await run(command, args, {
      cwd,
      env: plainEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, { cause: error });
  }
};

// The second service, added the way the starter's README says: catalog entry, handlers, Lambda entry,
// a query route and a test. `auditor` keeps the last message each name received, in its `log` table.
const AUDITOR_CATALOG = `    {
      name: 'auditor',
      entry: 'functions/auditor.ts',
      description: 'Keeps the last message of each name.',
      queries: { entry: 'functions/auditor-queries.ts', routes: [{ method: 'GET', path: '/audit/{name}' }] },
      subscriptions: [{ topic: 'greetings', ...settings }],
      tables: [{ name: 'log' }],
    },
`;
const AUDITOR_FILES: Record<string, string> = {
  'services/auditor.ts': `import type { ServiceDefinition } from 'spine';
import type { catalog } from '../catalog';

export const auditor: ServiceDefinition<typeof catalog, 'auditor'> = {
  on: {
    Greeted: (event, ctx) => {
      ctx.put('log', { pk: event.data.name, message: event.data.message });
    },
  },
};
`,
  'functions/auditor.ts': `import { defineService } from 'spine';
import { catalog } from '../catalog';
import { auditor } from '../services/auditor';

export const handler = defineService(catalog, 'auditor', auditor);
`,
  'functions/auditor-queries.ts': `import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createDocumentClient, requireEnv, stateTableEnvVar } from 'spine';

const client = createDocumentClient();
const log = requireEnv(stateTableEnvVar('auditor', 'log'));

export const handler = async (event: APIGatewayProxyEventV2) => {
  const out = await client.send(new GetCommand({ TableName: log, Key: { pk: event.pathParameters?.name ?? '' } }));
  return { statusCode: out.Item ? 200 : 404, body: JSON.stringify(out.Item ?? {}) };
};
`,
  'test/auditor.test.ts': `import { defineService, MemoryConsumerStore, MemoryPublisher, streamEnvVar } from 'spine';
import { describe, expect, it } from 'vitest';
import { catalog } from '../catalog';
import { auditor } from '../services/auditor';
import { batchOf } from './kinesis';

describe('auditor', () => {
  it('keeps the last message of each name', async () => {
    // Given
    const store = new MemoryConsumerStore(['log']);
    const handler = defineService(catalog, 'auditor', auditor, {
      env: { [streamEnvVar('greetings')]: 'greetings' },
      store,
      publisher: new MemoryPublisher(),
      backoff: false,
      logReaders: false,
    });

    // When
    await handler(
      batchOf('greetings', [
        { type: 'Greeted', key: 'ada', data: { name: 'ada', message: 'first' } },
        { type: 'Greeted', key: 'ada', data: { name: 'ada', message: 'second' } },
      ]),
    );

    // Then
    expect(await store.getItem('log', 'ada')).toMatchObject({ message: 'second' });
  });
});
`,
};

describe('Spine as an installed package', () => {
  let temp = '';
  let project = '';
  let tarball = '';
  let local: ChildProcess | undefined;
  let localOutput = '';

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'spine-package-'));
    project = join(temp, 'greetings-app');
  });

  afterAll(async () => {
    const child = local;
    if (child?.pid && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      // npm may exit before the backbone has stopped its emulators, which still write to .spine/.
      await eventually(async () => (/stopped in/.test(localOutput) ? true : undefined), 60_000);
    }
    console.log(`package e2e step times (ms): ${JSON.stringify(timings)}`);
    if (temp) await rm(temp, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
  }, 120_000);

  it('packs, and the starter project installs the tarball outside the repo', async () => {
    // Prepare
    const packed = await step('pack', () => sh('npm', ['pack', '--json', '--pack-destination', temp], REPO));
    // prepack's own output comes first; npm's JSON report is the last thing on stdout.
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.lastIndexOf('\n[\n') + 1)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(temp, info?.filename ?? '');

    // Act
    await step('init', () =>
      sh(
        process.execPath,
        [join(REPO, 'cli/bin.mjs'), 'init', 'greetings-app', '--spine', `file:${tarball}`],
        temp,
      ),
    );
    await step('install', () =>
      sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project),
    );

    // Assess: the package ships compiled JS and the starter, no TypeScript sources
    const files = info?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/cli.js', 'cli/bin.mjs']));
    expect(
      files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('cli/templates/')),
    ).toEqual([]);
    expect(project.startsWith(REPO)).toBe(false);
    // The installed CLI (compiled, from the tarball) writes the same starter the repo's CLI wrote.
    await sh(join(project, 'node_modules/.bin/spine'), ['init', 'starter-again'], temp);
    expect((await readdir(join(temp, 'starter-again'))).sort()).toEqual(
      (await readdir(project)).filter((f) => !['node_modules', 'package-lock.json'].includes(f)).sort(),
    );
  }, 900_000);

  it('takes a second service by editing only the project, and its npm test passes', async () => {
    // Prepare
    const catalogFile = join(project, 'catalog.ts');
    const catalog = await readFile(catalogFile, 'utf8');
    expect(catalog).toContain('  services: [\n');
    await writeFile(catalogFile, catalog.replace('  services: [\n', `  services: [\n${AUDITOR_CATALOG}`));
    for (const [path, text] of Object.entries(AUDITOR_FILES)) await writeFile(join(project, path), text);

    // Act
    const tested = await step('npm test', () => sh('npm', ['test'], project));

    // Assess: both services' tests ran and passed (tsc ran first: the package's types resolve)
    expect(tested.stdout).toMatch(/Test Files\s+2 passed/);
  }, 900_000);

  it('synthesizes a template with the project’s streams, mappings and tables', async () => {
    // Act
    await step('cdk synth', () => sh('npx', ['cdk', 'synth', '--quiet'], project));

    // Assess
    const template = JSON.parse(await readFile(join(project, 'cdk.out/Spine.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
      Outputs: Record<string, unknown>;
    };
    const count = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type).length;
    expect(count('AWS::Kinesis::Stream')).toBe(1);
    expect(count('AWS::Lambda::EventSourceMapping')).toBe(2);
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining([
        outputNames.stream('greetings'),
        outputNames.stateTable('greeter', 'counts'),
        outputNames.stateTable('auditor', 'log'),
      ]),
    );
  }, 900_000);

  it('runs locally with npm start: a publish reaches both services, whose state the query routes read', async () => {
    // Prepare
    const ports = await pickPorts();
    const child = spawn('npm', ['start'], {
      cwd: project,
      detached: true,
      env: {
        ...plainEnv(),
        SPINE_PORT: String(ports.ingress),
        SPINE_KINESIS_PORT: String(ports.kinesis),
        SPINE_DYNAMODB_PORT: String(ports.dynamodb),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    local = child;
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk: Buffer) => {
        localOutput += chunk.toString();
      });
    const ready = await step('npm start', () =>
      eventually(
        async () => {
          if (child.exitCode !== null)
            throw new Error(`npm start exited with ${child.exitCode}:\n${localOutput}`);
          return /\bready\b/.test(localOutput) ? true : undefined;
        },
        180_000,
        200,
      ),
    );
    expect(ready, localOutput).toBe(true);
    const endpoints = JSON.parse(await readFile(join(project, '.spine/endpoints.json'), 'utf8')) as {
      ingress: string;
      producers: Record<string, string>;
    };
    const headers = {
      authorization: `Bearer ${endpoints.producers.web}`,
      'content-type': 'application/json',
    };

    // Act
    const published = await fetch(`${endpoints.ingress}/topics/greetings/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'Greeted', data: { name: 'ada', message: 'hello from a user project' } }),
    });

    // Assess: accepted (202), then applied by both consumers
    expect(published.status, await published.clone().text()).toBe(202);
    const read = (path: string) =>
      step(`read ${path}`, () =>
        eventually(async () => {
          const response = await fetch(`${endpoints.ingress}${path}`, { headers });
          return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
        }, 60_000),
      );
    expect(await read('/greetings/ada')).toMatchObject({
      count: 1,
      lastMessage: 'hello from a user project',
    });
    expect(await read('/audit/ada')).toMatchObject({ message: 'hello from a user project' });
  }, 900_000);
});
