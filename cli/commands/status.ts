import { collectStatus, type Status } from '../../shared/ops';
import type { CliIo, OpsContext } from '../context';
import { bar, duration, shortSeq, table } from '../format';

/** Human view of `Status`: a block per subscription, a bar per shard scaled to the most lagging one. */
export const renderStatus = (status: Status, target: string): string => {
  const lines = [`spine status · ${target} · ${new Date(status.at).toISOString()}`, ''];
  const max = Math.max(1, ...status.subscriptions.flatMap((s) => s.shards.map((sh) => sh.events)));
  for (const sub of status.subscriptions) {
    const flags = [
      sub.paused ? 'PAUSED' : '',
      sub.sessions.length ? `sessions: ${sub.sessions.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('  ');
    lines.push(`${sub.service} <- ${sub.topic}${flags ? `   ${flags}` : ''}`);
    if (sub.checkpoints === 'key')
      lines.push(
        "  per-key checkpoints: a shard's position is the highest sequence applied over its keys;",
        '  lag is approximate (a slow key can hide behind a fast one)',
      );
    const rows: string[][] = [['  shard', 'lag (events)', '', 'lag (time)', 'checkpoint', 'last error']];
    for (const shard of sub.shards)
      rows.push([
        `  ${shard.shardId}`,
        bar(shard.events, max),
        `${shard.capped ? '>=' : ''}${shard.events}`,
        duration(shard.lagMs),
        sub.checkpoints === 'key'
          ? `max ${shortSeq(shard.checkpoint)} (${shard.keys ?? 0} keys)`
          : shortSeq(shard.checkpoint),
        shard.lastError
          ? `seq ${shortSeq(shard.lastError.sequenceNumber)} x${shard.lastError.attempts}: ${shard.lastError.error}`
          : '-',
      ]);
    lines.push(table(rows), '');
  }
  lines.push(
    `parking lot: ${
      Object.entries(status.parked)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') || '(no services)'
    }`,
  );
  return lines.join('\n');
};

export const statusCommand = async (
  ctx: OpsContext,
  io: CliIo,
  options: { service?: string; limit?: number; json?: boolean },
): Promise<number> => {
  const status = await collectStatus(
    { catalog: ctx.catalog, reader: ctx.reader, store: ctx.store, isPaused: ctx.control.isPaused },
    { ...(options.service && { service: options.service }), ...(options.limit && { limit: options.limit }) },
  );
  io.out(options.json ? JSON.stringify(status, null, 2) : renderStatus(status, ctx.target));
  return 0;
};
