export { assertDeployable, MAX_FAN_OUT_CONSUMERS } from './catalog-checks';
export { IngressApi, type IngressApiProps } from './constructs/ingress-api';
export { Operations, type OperationsProps } from './constructs/ops';
export { QueryRoutes, type QueryRoutesProps } from './constructs/query-routes';
export { RuntimeTables, type RuntimeTablesProps } from './constructs/runtime-tables';
export { Service, type ServiceProps } from './constructs/service';
export {
  type BindTableOptions,
  SpineFunction,
  type SpineFunctionProps,
  type TableAccess,
} from './constructs/spine-function';
export { Topics, type TopicsProps } from './constructs/topics';
export { outputNames } from './output-names';
export { SPINE_ROOT } from './package-files';
export { type SpineAppOptions, synthSpineApp } from './spine-app';
export { PROJECT_ROOT, SpineStack, type SpineStackProps } from './spine-stack';
