export type {
  CatalogView,
  DecodedEvent,
  ErrorBody,
  EventSearchView,
  LagHistoryView,
  LiveSample,
  ParkedDetail,
  ParkedSummary,
  SubscriptionView,
  TopicView,
} from './api-types';
export {
  type ConsoleOptions,
  type ConsoleServer,
  DEFAULT_CONSOLE_PORT,
  guardRequest,
  isConsoleError,
  LagHistory,
  startConsole,
} from './server';
