export { listenOwned, type OwnedServer, type SocketSet, trackSockets } from './owned-server';
