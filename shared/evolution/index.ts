export { COMPATIBILITY_MODES } from '../catalog';
export { diffSchemas } from './compare';
export { EvolutionError, type EvolutionErrorCode, isEvolutionError } from './errors';
export { checkVersion, DEFAULT_COMPATIBILITY } from './modes';
export type { CompatibilityMode, Incompatibility, RuleName, SchemaChange, VersionedSchema } from './types';
export { canonicalJson } from './values';
