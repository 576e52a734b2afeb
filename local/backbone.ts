import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { Catalog } from '../shared/catalog';
import { startLocalCdc } from './cdc';
import { localClientConfig } from './emulators/client';
import { startDynamo } from './emulators/dynamodb';
import { checkJava } from './emulators/java';
import { type KinesisEmulatorName, kinesisEmulatorFromEnv, startKinesis } from './emulators/kinesis';
import { removePidFile, stopOrphans, writePidFile } from './emulators/pids';
import type { EmulatorProcess } from './emulators/process';
import { applyEnvironment, localEnvironment } from './env';
import { EmulatorExitedError, type PortRole } from './errors';
import { startEventSourceMappings } from './esm';
import { FaultInjector, readFaultConfig } from './faults';
import { type LambdaHandler, loadHandler } from './handler';
import { type Endpoints, homePaths, producerTokens, wipeData, writeEndpointsFile } from './home';
import type { LocalHttpEvent } from './http/event';
import { loadHttpRouting } from './http/queries';
import { startIngressServer } from './http/server';
import { consoleLogger, type LocalLogger } from './log';
import { StreamActivity } from './net';
import { reservePort } from './ports';
import { provision } from './provision';

/** Ports used when none are given (`SPINE_PORT`, `SPINE_KINESIS_PORT`, `SPINE_DYNAMODB_PORT` in the CLI). */
export const DEFAULT_PORTS = { ingress: 4000, kinesis: 4568, dynamodb: 8000 } as const;
/** How long a configured port may stay held after a run that did not stop cleanly (see `reservePort`). */
export const ORPHAN_PORT_PATIENCE_MS = 15_000;

export interface BackboneOptions {
  readonly catalog: Catalog;
  /** Project root; service `entry` paths and `functions/ingress.ts` resolve against it. */
  readonly root: string;
  /** Data dir. @default `<root>/.spine` */
  readonly home?: string;
  /** Delete the emulators' data and the ESM positions before starting. @default false */
  readonly fresh?: boolean;
  /** 0 picks a free port. @default DEFAULT_PORTS */
  readonly ports?: { readonly ingress?: number; readonly kinesis?: number; readonly dynamodb?: number };
  /** @default consoleLogger */
  readonly log?: LocalLogger;
  /** Serve this instead of `functions/ingress.ts` (tests). */
  readonly ingressHandler?: LambdaHandler<LocalHttpEvent>;
  /**
   * Keep nothing for a next start (tests that never restart): kinesis-mock does not save and DynamoDB
   * Local keeps its tables in memory. Same APIs; it saves kinesis-mock's rewrite of its whole state
   * every second (measured: 20% of a core with 7 MB of records) and an fsync per DynamoDB write.
   * @default false
   */
  readonly ephemeral?: boolean;
  /**
   * Which Kinesis emulator to run (see `KinesisEmulatorName`). Each keeps its own files in the data
   * dir, so switching starts from an empty log. @default `SPINE_KINESIS_EMULATOR`, else `lite`
   */
  readonly kinesisEmulator?: KinesisEmulatorName;
}

export interface Backbone {
  readonly endpoints: Endpoints;
  readonly home: string;
  /** Producer name to dev bearer token (also in `<home>/endpoints.json`). */
  readonly producers: Readonly<Record<string, string>>;
  /**
   * Settles (never rejects) if an emulator exits on its own while the backbone runs (killed, crashed):
   * nothing works without it, so the caller should `stop()` and report. Pending forever otherwise.
   */
  readonly failure: Promise<EmulatorExitedError>;
  /** Stops the ingress, the pollers and both emulators; safe to call twice. */
  stop(): Promise<void>;
}

const url = (port: number) => `http://127.0.0.1:${port}`;

/**
 * Starts the whole backbone on embedded emulators: Kinesis and DynamoDB, provisioned from the catalog,
 * the ingress handler over HTTP, and one emulated event source mapping per service subscription.
 *
 * @example
 * const backbone = await startBackbone({ catalog, root: process.cwd() });
 * console.log(backbone.endpoints.ingress);
 * await backbone.stop();
 */
export const startBackbone = async (options: BackboneOptions): Promise<Backbone> => {
  const log = options.log ?? consoleLogger;
  const root = resolve(options.root);
  const home = resolve(options.home ?? join(root, '.spine'));
  const paths = homePaths(home);
  mkdirSync(home, { recursive: true });
  const cleanup: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const step of cleanup.splice(0).reverse())
      await step().catch((error: unknown) => log.error('stop step failed', { error: String(error) }));
  };

  try {
    // Test-only fault injection (SPINE_FAULTS); read first so a bad setting fails before anything starts.
    const faultConfig = readFaultConfig();
    const kinesisProgram = options.kinesisEmulator ?? kinesisEmulatorFromEnv();
    const faults = faultConfig && new FaultInjector(faultConfig, join(home, 'faults.json'));
    const kinesisFaults = faults?.scheduleFor('kinesis');
    const dynamoFaults = faults?.scheduleFor('dynamodb');
    // After a run that did not stop cleanly, its emulators may still hold their ports for a moment
    // (an exiting JVM under load: seconds), so a configured port gets time to free before it counts as taken.
    const patience = (await stopOrphans(home, log)) ? ORPHAN_PORT_PATIENCE_MS : 0;
    if (options.fresh) wipeData(home);
    const ports = { ...DEFAULT_PORTS, ...options.ports };
    const reserve = (role: PortRole, port: number) => (port === 0 ? 0 : reservePort(role, port, patience));
    const ingressPort = await reserve('ingress', ports.ingress);
    const kinesisPort = await reserve('kinesis', ports.kinesis);
    const dynamoPort = await reserve('dynamodb', ports.dynamodb);
    await checkJava();

    // Each pid is recorded the moment it exists: a runtime killed mid-start leaves no unknown orphan.
    const spawned: { name: string; pid: number }[] = [];
    const onSpawn = (emulator: EmulatorProcess) => {
      spawned.push({ name: emulator.name, pid: emulator.pid });
      writePidFile(home, { runtimePid: process.pid, emulators: spawned });
    };
    cleanup.push(async () => removePidFile(home));
    // Every Kinesis request passes the relay in front of kinesis-mock: it wakes idle pollers on writes.
    const activity = new StreamActivity();
    const [kinesisStart, dynamoStart] = await Promise.allSettled([
      startKinesis({
        emulator: kinesisProgram,
        dataDir: paths.kinesisData,
        port: kinesisPort,
        homeMarker: `--spine-home=${home}`,
        logFile: join(paths.logs, 'kinesis.log'),
        log,
        onSpawn,
        persist: options.ephemeral !== true,
        activity,
        ...(kinesisFaults && { faults: kinesisFaults }),
      }),
      startDynamo({
        dataDir: paths.dynamoData,
        port: dynamoPort,
        logFile: join(paths.logs, 'dynamodb.log'),
        log,
        onSpawn,
        inMemory: options.ephemeral === true,
        ...(dynamoFaults && { faults: dynamoFaults }),
      }),
    ]);
    // One step stops both at once: each may need its whole grace period, and they do not depend on each other.
    const emulatorStops = [kinesisStart, dynamoStart].flatMap((s) =>
      s.status === 'fulfilled' ? [s.value.stop] : [],
    );
    let stoppingEmulators = false;
    cleanup.push(async () => {
      stoppingEmulators = true;
      const results = await Promise.allSettled(emulatorStops.map((stop) => stop()));
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    });
    if (kinesisStart.status === 'rejected') throw kinesisStart.reason;
    if (dynamoStart.status === 'rejected') throw dynamoStart.reason;
    const kinesisEmulator = kinesisStart.value;
    const failure = new Promise<EmulatorExitedError>((resolve) => {
      for (const emulator of [kinesisEmulator.process, dynamoStart.value])
        void emulator.exited.then((exit) => {
          if (!stoppingEmulators) resolve(new EmulatorExitedError(emulator.name, exit, emulator.tail(5)));
        });
    });

    const endpoints = {
      ingress: '',
      kinesis: url(kinesisEmulator.port),
      dynamodb: url(dynamoStart.value.port),
    };
    const kinesis = new KinesisClient(localClientConfig(endpoints.kinesis));
    const dynamo = new DynamoDBClient(localClientConfig(endpoints.dynamodb));
    cleanup.push(async () => {
      kinesis.destroy();
      dynamo.destroy();
    });
    await provision(options.catalog, { kinesis, dynamo }, log);
    // The relays in front of the emulators inject the HTTP faults; provisioning went through them too.
    if (faults) log.warn('fault injection is ON (SPINE_FAULTS)', { config: JSON.stringify(faultConfig) });

    // Handlers read their config at import: the environment must be complete before the first import.
    applyEnvironment(localEnvironment(options.catalog, endpoints));
    const ingressHandler =
      options.ingressHandler ?? (await loadHandler<LocalHttpEvent>(root, 'functions/ingress.ts'));
    const handlers = new Map<string, LambdaHandler<KinesisStreamEvent>>();
    for (const service of options.catalog.services)
      if (service.subscriptions.length > 0) {
        const handler = await loadHandler<KinesisStreamEvent>(root, service.entry);
        handlers.set(service.name, faults ? faults.wrapHandler(handler) : handler);
      }

    const routing = await loadHttpRouting(options.catalog, root);

    const esm = startEventSourceMappings({
      catalog: options.catalog,
      handlers,
      kinesis,
      esmDir: paths.esm,
      failuresFile: paths.esmFailures,
      log,
      activity,
    });
    cleanup.push(esm.stop);
    // CDC sources: the captured table's stream poller and the snapshot (the CDC function's two jobs).
    cleanup.push(
      await startLocalCdc({
        catalog: options.catalog,
        dynamo,
        kinesis,
        dynamoEndpoint: endpoints.dynamodb,
        esmDir: paths.esm,
        log,
      }),
    );
    const producers = producerTokens(
      home,
      options.catalog.producers.map((p) => p.name),
    );
    const server = await startIngressServer({
      port: ingressPort,
      routes: routing.routes,
      handler: routing.handler(ingressHandler),
      tokens: producers,
      log,
    });
    cleanup.push(server.close);
    const ready: Endpoints = { ...endpoints, ingress: url(server.port) };
    writeEndpointsFile(home, { ...ready, producers });

    let stopping: Promise<void> | undefined;
    return { endpoints: ready, home, producers, failure, stop: () => (stopping ??= unwind()) };
  } catch (error) {
    await unwind();
    throw error;
  }
};
