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

export const isSchemaCompileError = (error: unknown): error is SchemaCompileError =>
  error instanceof Error && (error as { code?: unknown }).code === 'SCHEMA_COMPILE_FAILED';
