export type { JsonSchema } from '../catalog';
export { isSchemaCompileError, SchemaCompileError } from './errors';
export { createSchemaRegistry } from './registry';
export type { SchemaRegistry, SchemaViolation, ValidationResult } from './types';
