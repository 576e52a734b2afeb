import { SingleBar } from 'cli-progress';
import {
  type LogPosition,
  type ReplayMode,
  type ReplayOutcome,
  type ReplayPlan,
  runReplay,
} from '../../shared/ops';
import type { CliIo, OpsContext } from '../context';
import { shortSeq, table } from '../format';

export interface ReplayOptions {
  readonly topic: string;
  readonly from: LogPosition;
  readonly to?: LogPosition;
  readonly mode: ReplayMode;
  readonly dryRun?: boolean;
  readonly tables?: readonly string[];
  readonly abandon?: boolean;
  readonly emits?: 'publish' | 'suppress';
  readonly json?: boolean;
}

const renderPlan = (plan: ReplayPlan, dryRun: boolean): string => {
  const head = `${dryRun ? 'dry run: ' : ''}replay ${plan.service} <- ${plan.topic}, mode ${plan.mode}${plan.scope ? `, session ${plan.scope}` : ''}${plan.resumed ? ' (resuming)' : ''}`;
  const rows = [['  shard', 'from', 'to', 'records', plan.mode === 'live' ? 'already applied' : '']];
  for (const s of plan.shards)
    rows.push([
      `  ${s.shardId}`,
      s.start,
      shortSeq(s.end),
      String(s.records),
      s.alreadyApplied === undefined ? '' : String(s.alreadyApplied),
    ]);
  const extra =
    plan.mode === 'rebuild'
      ? `\n  keys recomputed: ${plan.keys}; items deleted first in: ${plan.tables?.join(', ')}; parked events left out: ${plan.parkedExcluded}`
      : '';
  return `${head}\n${table(rows)}${extra}`;
};

const summary = (outcome: ReplayOutcome): string => {
  if (outcome.dryRun) return 'nothing delivered (dry run)';
  if (outcome.interrupted)
    return `interrupted after ${outcome.delivered} record(s); rerun the same command to resume${outcome.leftPaused ? ' (live delivery stays paused until the replay finishes)' : ''}`;
  return `done: ${outcome.delivered} record(s) delivered${outcome.plan.mode === 'session' ? '' : '; live delivery resumed'}`;
};

/** `spine replay`: plan, then deliver with a progress bar on a terminal; Ctrl-C stops between batches. */
export const replayCommand = async (
  ctx: OpsContext,
  io: CliIo,
  service: string,
  options: ReplayOptions,
): Promise<number> => {
  let progress: SingleBar | undefined;
  const outcome = await runReplay(
    {
      service,
      topic: options.topic,
      mode: options.mode,
      from: options.from,
      ...(options.to && { to: options.to }),
      ...(options.dryRun && { dryRun: true }),
      ...(options.tables && { tables: options.tables }),
      ...(options.abandon && { abandon: true }),
      ...(options.emits && { emits: options.emits }),
    },
    { ...ctx },
    {
      signal: io.signal,
      onPlan: (plan) => {
        if (!options.json) io.out(renderPlan(plan, options.dryRun ?? false));
      },
      onProgress: (done, total) => {
        if (!io.interactive || options.json || options.dryRun) return;
        if (!progress) {
          progress = new SingleBar({
            format: '  {bar} {value}/{total} records | {percentage}% | {eta_formatted} left',
            stream: process.stderr,
            hideCursor: true,
          });
          progress.start(total, done);
        } else progress.update(done);
      },
    },
  ).finally(() => progress?.stop());
  io.out(options.json ? JSON.stringify(outcome, null, 2) : summary(outcome));
  return outcome.interrupted ? 130 : 0;
};
