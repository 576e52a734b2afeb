import type { CpuWindow } from '../lib/proc-cpu';
import { round } from '../lib/stats';

/**
 * Run 2b's CPU per process: the load windows of one side (raw or ingress) summed over the rounds, then
 * divided by that side's events. Roles: `generator` (the load generator: the raw SDK client or
 * autocannon), `runtime` (local mode's process: the TCP relay in front of Kinesis on both sides, plus
 * the HTTP server, ingress handler and its SDK client on the ingress side), `kinesis` (the emulator) and
 * `dynamodb` (DynamoDB Local, on neither path for plain JSON without ids: its idle cost).
 */
export interface ProcessCpu {
  readonly process: string;
  /** CPU ms (user + system, all threads) per 100 events of this side. */
  readonly msPer100Events: number;
  /** CPU ms over wall ms of the windows: the share of one core the process kept busy. */
  readonly cores: number;
}

/** CPU ms per role and wall ms, summed over a side's windows. */
export class CpuTally {
  private wallMs = 0;
  private readonly ms = new Map<string, number>();

  add(window: CpuWindow): void {
    this.wallMs += window.wallMs;
    for (const [role, ms] of [['generator', window.generator] as const, ...Object.entries(window.others)])
      this.ms.set(role, (this.ms.get(role) ?? 0) + ms);
  }

  /** Each process, then `total` (every process measured), per 100 of `events`. */
  perProcess(events: number): ProcessCpu[] {
    const rows = [...this.ms].map(([role, ms]) => this.row(role, ms, events));
    const total = [...this.ms.values()].reduce((a, b) => a + b, 0);
    return [...rows, this.row('total', total, events)];
  }

  private row(role: string, ms: number, events: number): ProcessCpu {
    return {
      process: role,
      msPer100Events: round((100 * ms) / Math.max(events, 1), 1),
      cores: round(ms / Math.max(this.wallMs, 1), 3),
    };
  }
}
