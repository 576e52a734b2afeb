export {
  MissingConfigError,
  PRODUCER_PRINCIPALS_ENV,
  RUNTIME_TABLE_ENV,
  requireEnv,
  STAGE_ENV,
  stateTableEnvVar,
  streamEnvVar,
  TOMBSTONE_GRACE_ENV,
} from './env';
export { RUNTIME_TABLES, type RuntimeTable, STATE_TABLE_KEY, type TableKeySchema } from './tables';
export { CONSUMER_TIMEOUT_SECONDS, MARK_CLOCK_SKEW_MS } from './timeouts';
