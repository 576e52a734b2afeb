export { FAULTS_ENV, type FaultConfig, FaultConfigError, faultConfigSchema, readFaultConfig } from './config';
export { FaultCounts } from './counts';
export { FaultInjector, type FaultKind, InjectedFaultError, isInjectedFaultError } from './injector';
export { seededRandom } from './random';
export { type FaultRelay, startFaultRelay } from './relay';
export {
  FaultSchedule,
  type FaultScheduleOptions,
  type ForcibleKind,
  faultName,
  type HttpFault,
  type HttpFaultRates,
  LOSABLE_TARGETS,
  type LostMode,
  operationOf,
  type RelayService,
  THROTTLED_TARGETS,
} from './schedule';
