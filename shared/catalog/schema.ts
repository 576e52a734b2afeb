import { createRequire } from 'node:module';
import type * as Zod from 'zod';
import { COMPATIBILITY_MODES, PRODUCER_DELIVERIES } from './types';

// zod 4 classic does not tree-shake (about 440 KB in every bundle that imports it) and building
// these schemas plus parsing the catalog costs init time in every Lambda, while synth (SpineStack),
// local start and the tests already run this same check on the same catalog. So zod is loaded through
// `createRequire`, which esbuild does not follow: it stays out of Lambda bundles, and where it cannot
// be loaded (a bundle) the shape check is skipped; the reference checks in `validate.ts` still run.
const loadZod = (): typeof Zod | undefined => {
  try {
    return createRequire(import.meta.url)('zod');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
};

const build = (z: typeof Zod) => {
  /** Shape and Lambda/Kinesis limits of a catalog; cross-references are checked in `validate.ts`. */
  const resourceName = z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,39}$/,
      'must be 1-40 lowercase letters, digits or dashes, starting with a letter',
    );

  const eventTypeName = z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9._-]{0,127}$/, 'must be 1-128 letters, digits, dots, dashes or underscores');

  const jsonSchema = z.record(z.string(), z.unknown());

  const topic = z.strictObject({
    name: resourceName,
    shards: z.union([z.literal('on-demand'), z.number().int().min(1).max(500)]),
    retentionHours: z.number().int().min(24).max(8760),
    idempotencyWindowHours: z.number().int().min(1).max(168).optional(),
    description: z.string().optional(),
  });

  const eventType = z.strictObject({
    type: eventTypeName,
    topic: z.string(),
    writer: z.string(),
    keyField: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a top-level field name of data'),
    versions: z.record(z.string().regex(/^[1-9][0-9]*$/, 'versions are positive integers'), jsonSchema),
    tombstone: z.boolean().optional(),
    compatibility: z.enum(COMPATIBILITY_MODES).optional(),
    upcasters: z
      .record(
        z.string().regex(/^[1-9][0-9]*$/, 'upcasters are keyed by the version they convert from'),
        z.custom<(data: unknown) => unknown>((v) => typeof v === 'function', 'must be a function'),
      )
      .optional(),
  });

  const retry = z.strictObject({
    maxAttempts: z.number().int().min(1).max(10001),
    bisectOnError: z.boolean(),
    maxRecordAgeSeconds: z.union([z.literal(-1), z.number().int().min(60).max(604800)]).optional(),
  });

  const subscription = z.strictObject({
    topic: z.string(),
    batchSize: z.number().int().min(1).max(10000),
    batchingWindowSeconds: z.number().int().min(0).max(300),
    parallelizationFactor: z.number().int().min(1).max(10),
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
    retry,
    materialize: z.strictObject({ table: resourceName }).optional(),
    coalesce: z.boolean().optional(),
    enhancedFanOut: z.boolean().optional(),
  });

  const table = z.strictObject({
    name: resourceName,
    ttlAttribute: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/)
      .optional(),
    item: jsonSchema.optional(),
  });

  const entry = z.string().regex(/^[\w./-]+\.ts$/, 'must be a .ts path relative to the project root');

  const queries = z.strictObject({
    entry,
    routes: z
      .array(
        z.strictObject({
          method: z.literal('GET'),
          path: z
            .string()
            .regex(/^(\/([a-z0-9-]+|\{[A-Za-z][A-Za-z0-9]*\}))+$/, 'must be like /orders/{orderId}'),
        }),
      )
      .min(1),
  });

  const service = z.strictObject({
    name: resourceName,
    entry,
    queries: queries.optional(),
    subscriptions: z.array(subscription),
    tables: z.array(table),
    description: z.string().optional(),
  });

  const producer = z.strictObject({
    name: resourceName,
    delivery: z
      .enum(PRODUCER_DELIVERIES, {
        error: `must be ${PRODUCER_DELIVERIES.map((d) => `'${d}'`).join(' or ')} (the default is 'idempotent')`,
      })
      .optional(),
    description: z.string().optional(),
  });

  const attributeName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/, 'must be an attribute name');
  const cdcTable = z.union([
    z.strictObject({ service: z.string(), table: z.string() }),
    z.strictObject({
      arn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/,
          'must be a table ARN',
        ),
      streamArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}\/stream\/.+$/,
          'must be a DynamoDB stream ARN',
        ),
      keyAttributes: z.array(attributeName).min(1).max(2),
      // Any view type parses; cdc-checks.ts refuses all but NEW_AND_OLD_IMAGES with the reason.
      streamViewType: z.enum(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']).optional(),
      kmsKeyArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'must be a KMS key ARN')
        .optional(),
    }),
  ]);
  const cdcSource = z.strictObject({
    name: resourceName,
    table: cdcTable,
    topic: z.string(),
    types: z.strictObject({
      insert: z.string(),
      modify: z.string().optional(),
      remove: z.string().optional(),
    }),
    versionAttribute: attributeName,
    snapshotSegments: z.number().int().min(1).max(64).optional(),
    batchSize: z.number().int().min(1).max(1000).optional(),
    description: z.string().optional(),
  });

  return z.strictObject({
    topics: z.array(topic).min(1, 'declare at least one topic'),
    producers: z.array(producer),
    eventTypes: z.array(eventType),
    services: z.array(service),
    cdcSources: z.array(cdcSource).optional(),
  });
};

let schema: ReturnType<typeof build> | undefined | null = null;

/** The catalog's shape as a zod schema, built on first use; `undefined` where zod is not installed. */
export const catalogSchema = (): ReturnType<typeof build> | undefined => {
  if (schema === null) {
    const z = loadZod();
    schema = z && build(z);
  }
  return schema;
};
