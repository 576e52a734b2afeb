export { type ConsoleOptions, type ConsoleServer, DEFAULT_CONSOLE_PORT, startConsole } from './console';
export { ConsoleError, type ConsoleErrorCode, isConsoleError } from './errors';
export { type GuardHeaders, guardRequest } from './guard';
export { LagHistory } from './history';
