import { createHttpHandler, type HttpTimeouts } from '../../shared/aws';

/** Credentials both emulators accept; kinesis-mock maps any non-12-digit key to account 000000000000. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

/**
 * HTTP timeouts of clients to the emulators on 127.0.0.1. A local connection opens or is refused at
 * once; it times out only when the machine is overloaded: with 2 s (Spine's setting for AWS
 * endpoints), 100 concurrent claims at load 17 failed to connect. The request timeout counts from the
 * request's creation (socket queue and connect included) and only has to bound a request that never
 * answers: 60 s, far above the 4-5 s single calls measured at load 20, so that a slow answer is not
 * abandoned and re-sent (a re-sent write lands twice).
 */
export const LOCAL_HTTP = { connectionTimeout: 30_000, requestTimeout: 60_000 } as const;

/**
 * The configuration of an SDK client that talks to a local emulator: its endpoint, the fake region and
 * credentials, and a handler whose request timeout fails the request instead of only warning. An
 * emulator that accepted a connection and never answered (kinesis-mock while it starts, on a busy
 * machine) would otherwise hang its caller for good: `npm start` once waited 180 s for a first
 * ListStreams and never printed ready.
 */
export const localClientConfig = (endpoint: string, timeouts: HttpTimeouts = LOCAL_HTTP) => ({
  endpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
  requestHandler: createHttpHandler(timeouts),
});
