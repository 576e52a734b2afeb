export { IDLE_SOCKET_MS, keepIdleSockets } from './keep-alive';
export { listenOwned, type OwnedServer, type SocketSet, trackSockets } from './owned-server';
