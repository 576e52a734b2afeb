export { type Backbone, type BackboneOptions, DEFAULT_PORTS, startBackbone } from './backbone';
export { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig } from './emulators/client';
export { type DynamoStartOptions, startDynamo } from './emulators/dynamodb';
export {
  DEFAULT_KINESIS_EMULATOR,
  KINESIS_EMULATOR_ENV,
  KINESIS_EMULATORS,
  type KinesisEmulator,
  type KinesisEmulatorName,
  type KinesisStartOptions,
  startKinesis,
} from './emulators/kinesis';
export { localEnvironment } from './env';
export {
  BackboneAlreadyRunningError,
  EmulatorExitedError,
  EmulatorPortTakenError,
  EmulatorStartError,
  EmulatorStopError,
  HandlerLoadError,
  isLocalModeError,
  isPortInUseError,
  JavaUnavailableError,
  LocalModeError,
  type LocalModeErrorCode,
  PortInUseError,
} from './errors';
export type { LambdaHandler } from './handler';
export { type Endpoints, type EndpointsFile, homePaths, readEndpointsFile } from './home';
export type { LocalHttpEvent } from './http/event';
export { consoleLogger, type LocalLogger, silentLogger } from './log';
export { localRuntimeTableName, localStateTableName, localStreamName, producerPrincipal } from './names';
export { freePort } from './ports';
