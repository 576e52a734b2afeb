export { IDLE_SOCKET_MS, keepIdleSockets } from './keep-alive';
export { listenOwned, type OwnedServer, type SocketSet, trackSockets } from './owned-server';
export {
  activityOf,
  kinesisConnectionTap,
  MAX_WATCHED_IDLE_MS,
  StreamActivity,
  type StreamActivityKind,
  streamOfBody,
} from './stream-activity';
