export { COMPATIBILITY_MODES } from '../catalog';
export { diffSchemas } from './compare';
export { EvolutionError, type EvolutionErrorCode, isEvolutionError } from './errors';
export {
  LOCK_FILE,
  type LockedType,
  type LockedVersion,
  lockCatalog,
  parseLock,
  renderLock,
  type SchemaLock,
  schemaHash,
} from './lock';
export { checkLock, formatLockProblem, type LockProblem } from './lock-check';
export { checkVersion, DEFAULT_COMPATIBILITY } from './modes';
export { defineUpcasters, type UpcasterSteps } from './typed-upcasters';
export type { CompatibilityMode, Incompatibility, RuleName, SchemaChange, VersionedSchema } from './types';
export {
  missingUpcasters,
  type Upcast,
  type Upcaster,
  type Upcasters,
  upcast,
  type VersionValidator,
} from './upcast';
export { canonicalJson } from './values';
