import type { Catalog } from '../shared/catalog';
import type { Delivery, LiveControl, LogReader, OpsStore } from '../shared/ops';

/** What `spine publish` needs to reach the ingress. */
export interface Publisher {
  publish(
    topic: string,
    body: Record<string, unknown>,
    producer?: string,
  ): Promise<{ status: number; body: unknown }>;
}

/** Everything a command needs, for local mode or a deployed stack. */
export interface OpsContext {
  readonly target: string;
  readonly catalog: Catalog;
  readonly reader: LogReader;
  readonly store: OpsStore;
  readonly delivery: Delivery;
  readonly control: LiveControl;
  readonly publisher: Publisher;
  readonly stateTable: (service: string, table: string) => string;
  readonly region: string;
  /** Who runs the command, for audit records. */
  readonly operator: string;
  close(): void;
}

/** Global options every command accepts. */
export interface GlobalOptions {
  readonly json?: boolean;
  readonly stack?: string;
  readonly profile?: string;
  readonly region?: string;
  readonly home?: string;
  readonly root?: string;
  readonly catalog?: string;
}

/** Where a command writes: stdout for results, stderr for progress and warnings. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Aborted on Ctrl-C (SIGINT); long commands stop cleanly between batches. */
  readonly signal: AbortSignal;
  /** Whether stderr is a terminal (progress bars only then). */
  readonly interactive: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}
