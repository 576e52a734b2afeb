import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HTTP_TIMEOUTS } from '../../../../shared/aws';
import type { RunProfile } from './profile';

type Handle = NodeHttpHandler['handle'];

/**
 * The consumer function's timeout in these runs. Lambda kills an invocation at its deadline, and the
 * runtime reads an attempt mark as a death only once its writer's deadline passed, so every death
 * holds its lane this long (plus the mark's clock-skew margin). The copy look-back gets a third of it:
 * at 6 s and 15 s (2 s and 5 s of look-back) runs stalled on marked records read one by one from a
 * loaded kinesis-mock; 30 s gives the 10 s the runtime used without a context.
 */
export const FUNCTION_TIMEOUT_MS = 30_000;

/** Where a container dies: see `DyingHttpHandler.dieAt`. */
export interface DieAt {
  readonly request: number;
  readonly after: boolean;
  readonly operation?: string;
  /** Only a request whose body contains this text (e.g. the outbox table's name in a commit). */
  readonly bodyIncludes?: string;
  /**
   * With `after`: only once a request was answered 2xx, so the write certainly applied (a throttle or
   * a refused condition answers 400 and applied nothing; the SDK's retry of a lost answer then
   * succeeds, and the container dies after that one).
   */
  readonly onlyOk?: boolean;
  /** Names this death in `diedOf`. */
  readonly tag?: string;
}

/** A request body as text: the SDK's JSON bodies are strings or string adapters, rarely bytes. */
const bodyText = (body: unknown): string =>
  body instanceof Uint8Array ? new TextDecoder().decode(body) : body === undefined ? '' : String(body);

/** Settles never: what a request of a dead process looks like from outside. */
const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * The transport of one container. Once the container is dead every request, including ones already
 * on the wire, never answers: a process death has no catch and no finally. A request can die after
 * it was applied upstream (the effect happened, nobody saw it) or before it was sent.
 */
export class DyingHttpHandler extends NodeHttpHandler {
  dead = false;
  private requests = 0;
  /**
   * Dies at this request number (counted from the container's start), `after` = once it was applied;
   * with `operation`, at the first request of that operation from that number on.
   */
  dieAt: DieAt | undefined;
  /** Where the container died of `dieAt`: `Operation.before` (never sent) or `Operation.after` (applied). */
  diedAt: string | undefined;
  /** The `tag` of the `dieAt` the container died of. */
  diedOf: string | undefined;
  readonly died: Promise<void>;
  private markDied: () => void = () => {};

  constructor(private readonly profile?: RunProfile) {
    super({ ...HTTP_TIMEOUTS, throwOnRequestTimeout: true });
    this.died = new Promise((resolve) => {
      this.markDied = resolve;
    });
  }

  /** Lambda's kill at the deadline: the process stops wherever it is. */
  kill(): void {
    if (!this.dead) this.die();
  }

  private die(): void {
    this.dead = true;
    this.markDied();
  }

  /** Requests sent since the container started (an invocation's deaths are placed relative to it). */
  get sent(): number {
    return this.requests;
  }

  override async handle(...args: Parameters<Handle>): ReturnType<Handle> {
    if (this.dead) return never();
    this.requests += 1;
    const target =
      String(args[0].headers['x-amz-target'] ?? '')
        .split('.')
        .at(-1) ?? '';
    const at = this.dieAt;
    const dying =
      at !== undefined &&
      this.requests >= at.request &&
      (at.operation === undefined || at.operation === target) &&
      (at.bodyIncludes === undefined || bodyText(args[0].body).includes(at.bodyIncludes));
    const mark = () => {
      this.diedAt = `${target || 'unknown'}.${at?.after ? 'after' : 'before'}`;
      this.diedOf = at?.tag;
    };
    if (dying && !at?.after) {
      mark();
      this.die();
      return never();
    }
    const started = Date.now();
    const out = await super.handle(...args).catch((error: unknown) => {
      this.profile?.request(target, Date.now() - started, 'error');
      throw error;
    });
    this.profile?.request(target, Date.now() - started, out.response.statusCode < 300 ? 'ok' : 'error');
    const dies = dying && (!at?.onlyOk || out.response.statusCode < 300);
    if (dies) mark();
    if (dies || this.dead) {
      this.die();
      return never();
    }
    return out;
  }
}
