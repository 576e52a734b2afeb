import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** Everything local mode keeps under its data dir (`<root>/.spine` unless `SPINE_HOME` says otherwise). */
export const homePaths = (home: string) => ({
  kinesisData: join(home, 'kinesis'),
  dynamoData: join(home, 'dynamodb'),
  esm: join(home, 'esm'),
  logs: join(home, 'logs'),
  endpoints: join(home, 'endpoints.json'),
  pids: join(home, 'pids.json'),
  esmFailures: join(home, 'esm-failures.jsonl'),
});

/** Writes via a temp file and rename, so a crash never leaves half a file behind. */
export const writeFileAtomic = (file: string, content: string): void => {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
};

/** Parsed JSON checked against `schema`, or `undefined` when the file is missing or not valid. */
export const readJsonFile = <T>(file: string, schema: z.ZodType<T>): T | undefined => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/** `--fresh`: drop the emulators' data, the ESM positions and failure log; dev tokens are kept. */
export const wipeData = (home: string): void => {
  const paths = homePaths(home);
  for (const target of [paths.kinesisData, paths.dynamoData, paths.esm, paths.esmFailures])
    rmSync(target, { recursive: true, force: true });
};

/** Where the local backbone listens; also written to `<home>/endpoints.json` for other tools. */
export interface Endpoints {
  readonly ingress: string;
  readonly kinesis: string;
  readonly dynamodb: string;
}

const endpointsSchema = z.object({
  ingress: z.string(),
  kinesis: z.string(),
  dynamodb: z.string(),
  producers: z.record(z.string(), z.string()),
});

export type EndpointsFile = z.infer<typeof endpointsSchema>;

export const readEndpointsFile = (home: string): EndpointsFile | undefined =>
  readJsonFile(homePaths(home).endpoints, endpointsSchema);

/**
 * One dev bearer token per catalog producer, generated once and reused across restarts (so scripts
 * and `.env` files keep working); tokens of producers no longer in the catalog are dropped.
 */
export const producerTokens = (home: string, producers: readonly string[]): Record<string, string> => {
  const previous = readEndpointsFile(home)?.producers ?? {};
  return Object.fromEntries(
    producers.map((name) => [name, previous[name] ?? `spine-dev-${randomBytes(24).toString('base64url')}`]),
  );
};

export const writeEndpointsFile = (home: string, content: EndpointsFile): void =>
  writeFileAtomic(homePaths(home).endpoints, `${JSON.stringify(content, null, 2)}\n`);
