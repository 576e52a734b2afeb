export type { JsonSchema } from '../catalog';
export { AJV_OPTIONS, createAjv, type SchemaCompiler } from './compile';
export {
  ItemSchemaCompileError,
  isItemSchemaCompileError,
  isSchemaCompileError,
  isStaleValidatorsError,
  SchemaCompileError,
  StaleValidatorsError,
} from './errors';
export { type StandaloneFormat, standaloneFormats } from './formats';
export { schemasHash } from './hash';
export { createSchemaRegistry, type SchemaRegistryOptions } from './registry';
export { serviceSchemaScope } from './scope';
export {
  itemValidatorKey,
  providedStandaloneValidators,
  provideStandaloneValidators,
  type StandaloneError,
  type StandaloneValidate,
  type StandaloneValidators,
  validatorKey,
} from './standalone';
export type { SchemaRegistry, SchemaViolation, ValidationResult } from './types';
