export { FAULTS_ENV, type FaultConfig, FaultConfigError, faultConfigSchema, readFaultConfig } from './config';
export { FaultInjector, type FaultKind, InjectedFaultError } from './injector';
