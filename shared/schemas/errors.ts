/** A catalog schema that Ajv (strict mode) refuses to compile: fails at cold start, naming the schema. */
export class SchemaCompileError extends Error {
  readonly code = 'SCHEMA_COMPILE_FAILED';
  constructor(
    readonly type: string,
    readonly version: number,
    options?: { cause?: unknown },
  ) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`The schema of event type "${type}" version ${version} does not compile${reason}`, options);
    this.name = 'SchemaCompileError';
  }
}

/** A state table's item schema (`TableSpec.item`) that Ajv (strict mode) refuses to compile. */
export class ItemSchemaCompileError extends Error {
  readonly code = 'ITEM_SCHEMA_COMPILE_FAILED';
  constructor(
    readonly service: string,
    readonly table: string,
    options?: { cause?: unknown },
  ) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`The item schema of table "${table}" of service "${service}" does not compile${reason}`, options);
    this.name = 'ItemSchemaCompileError';
  }
}

export const isItemSchemaCompileError = (error: unknown): error is ItemSchemaCompileError =>
  error instanceof Error && (error as { code?: unknown }).code === 'ITEM_SCHEMA_COMPILE_FAILED';

export const isSchemaCompileError = (error: unknown): error is SchemaCompileError =>
  error instanceof Error && (error as { code?: unknown }).code === 'SCHEMA_COMPILE_FAILED';

/**
 * The bundle's generated validators were not generated from the catalog it runs with (their schema
 * hash differs, or a schema has none): validating with them could accept what the catalog rejects.
 * Fails at cold start; `npx cdk synth` regenerates them.
 */
export class StaleValidatorsError extends Error {
  readonly code = 'STANDALONE_VALIDATORS_STALE';
  constructor(
    readonly expectedHash: string,
    readonly generatedHash: string,
    readonly missing: readonly string[] = [],
  ) {
    super(
      `The generated schema validators are stale: generated for schema hash ${generatedHash.slice(0, 12)}, the catalog has ${expectedHash.slice(0, 12)}${
        missing.length > 0 ? ` (no validator for ${missing.join(', ')})` : ''
      }. Regenerate them with \`npx cdk synth\` (SpineFunction writes them before bundling) and deploy again.`,
    );
    this.name = 'StaleValidatorsError';
  }
}

export const isStaleValidatorsError = (error: unknown): error is StaleValidatorsError =>
  error instanceof Error && (error as { code?: unknown }).code === 'STANDALONE_VALIDATORS_STALE';
