import type { Catalog } from '../catalog';
import { PRODUCER_PRINCIPALS_ENV, RUNTIME_TABLE_ENV, requireEnv, streamEnvVar } from '../config';

/** Everything the ingress reads from the environment, read once at cold start. */
export interface IngressConfig {
  /** Topic name -> Kinesis stream name. */
  readonly streams: ReadonlyMap<string, string>;
  readonly idempotencyTable: string;
  /** IAM role/user name -> producer (or service) name of the catalog. */
  readonly principals: ReadonlyMap<string, string>;
}

export class IngressConfigError extends Error {
  readonly code = 'INGRESS_CONFIG_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IngressConfigError';
  }
}

// A plain check instead of a zod schema: zod classic would cost the ingress bundle about 440 KB.
const principalsOf = (raw: unknown): Record<string, string> | undefined => {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const entries: [string, unknown][] = Object.entries(raw);
  const principals: Record<string, string> = {};
  for (const [name, writer] of entries) {
    if (name.length === 0 || typeof writer !== 'string' || writer.length === 0) return undefined;
    principals[name] = writer;
  }
  return principals;
};

/** Reads and checks the ingress config; throws naming the variable that is missing or wrong. */
export const loadIngressConfig = (catalog: Catalog, env: NodeJS.ProcessEnv = process.env): IngressConfig => {
  const streams = new Map(catalog.topics.map((t) => [t.name, requireEnv(streamEnvVar(t.name), env)]));
  const idempotencyTable = requireEnv(RUNTIME_TABLE_ENV.idempotency, env);
  let raw: unknown;
  try {
    raw = JSON.parse(requireEnv(PRODUCER_PRINCIPALS_ENV, env));
  } catch (cause) {
    if (cause instanceof SyntaxError)
      throw new IngressConfigError(`${PRODUCER_PRINCIPALS_ENV} is not JSON`, { cause });
    throw cause;
  }
  const principals = principalsOf(raw);
  if (!principals)
    throw new IngressConfigError(
      `${PRODUCER_PRINCIPALS_ENV} must be a JSON object of principal -> producer names`,
    );
  const writers = new Set([...catalog.producers.map((p) => p.name), ...catalog.services.map((s) => s.name)]);
  const unknown = Object.values(principals).filter((name) => !writers.has(name));
  if (unknown.length > 0)
    throw new IngressConfigError(`${PRODUCER_PRINCIPALS_ENV} names unknown producers: ${unknown.join(', ')}`);
  return { streams, idempotencyTable, principals: new Map(Object.entries(principals)) };
};
