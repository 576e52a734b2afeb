import { decodeEnvelope } from '../../shared/envelope';
import {
  type MayBeAppliedItems,
  mayBeAppliedError,
  mayBeAppliedIn,
  OpsError,
  type ParkedItem,
  REDRIVE_SESSION,
  type RedriveOutcome,
  runRedrive,
  splitShardId,
} from '../../shared/ops';
import type { CliIo, OpsContext } from '../context';
import { shortSeq, table } from '../format';

export interface ParkedOptions {
  readonly service?: string;
  readonly topic?: string;
  readonly seq?: readonly string[];
  readonly json?: boolean;
}

const servicesOf = (ctx: OpsContext, service: string | undefined): string[] => {
  if (service === undefined) return ctx.catalog.services.map((s) => s.name);
  if (!ctx.catalog.services.some((s) => s.name === service))
    throw new OpsError(
      'UNKNOWN_SERVICE',
      `no service "${service}"; services: ${ctx.catalog.services.map((s) => s.name).join(', ')}`,
    );
  return [service];
};

const select = async (ctx: OpsContext, options: ParkedOptions): Promise<ParkedItem[]> => {
  const items: ParkedItem[] = [];
  for (const service of servicesOf(ctx, options.service))
    items.push(...(await ctx.store.parked(service, options.topic)));
  const wanted = options.seq && new Set(options.seq);
  return items.filter((i) => !wanted || wanted.has(i.sequenceNumber));
};

const summaryOf = (i: ParkedItem) => ({
  service: i.pk,
  topic: i.topic,
  ...splitShardId(i.shardId),
  sequenceNumber: i.sequenceNumber,
  key: i.partitionKey,
  eventType: i.eventType,
  attempts: i.attempts,
  parkedAt: i.parkedAt,
  error: i.error,
  ...(i.redriveFailedIn && { redriveFailedIn: i.redriveFailedIn }),
  ...(i.mayBeApplied === true && { mayBeApplied: true }),
});

/** The list's and the plan's flag column: a redrive refuses these without `--force`. */
const flagOf = (mayBeApplied: boolean | undefined) => (mayBeApplied === true ? 'mayBeApplied' : '-');

export const parkedList = async (ctx: OpsContext, io: CliIo, options: ParkedOptions): Promise<number> => {
  const items = await select(ctx, options);
  if (options.json) {
    io.out(JSON.stringify(items.map(summaryOf), null, 2));
    return 0;
  }
  const rows = [['service', 'topic/shard', 'seq', 'key', 'type', 'attempts', 'parked at', 'flag', 'error']];
  for (const i of items)
    rows.push([
      i.pk,
      `${i.topic}/${i.shardId}`,
      shortSeq(i.sequenceNumber),
      i.partitionKey,
      i.eventType ?? '-',
      String(i.attempts),
      i.parkedAt ?? '-',
      flagOf(i.mayBeApplied),
      i.error.slice(0, 80),
    ]);
  io.out(items.length === 0 ? 'parking lot is empty' : `${table(rows)}\n${items.length} parked event(s)`);
  return 0;
};

export const parkedShow = async (
  ctx: OpsContext,
  io: CliIo,
  seq: string,
  options: ParkedOptions,
): Promise<number> => {
  const [item] = await select(ctx, { ...options, seq: [seq] });
  if (!item) throw new OpsError('PARKED_NOT_FOUND', `no parked event with sequence number ${seq}`);
  let envelope: unknown;
  try {
    envelope = decodeEnvelope(Buffer.from(item.data, 'base64'));
  } catch (error) {
    envelope = {
      undecodable: error instanceof Error ? error.message : String(error),
      raw: Buffer.from(item.data, 'base64').toString('utf8'),
    };
  }
  const { data: _, ...rest } = item;
  io.out(JSON.stringify({ ...rest, envelope }, null, 2));
  return 0;
};

const renderRedrive = (service: string, outcome: RedriveOutcome): string => {
  const rows = [['  topic/shard', 'seq', 'key', 'outcome', 'flag', 'reason']];
  for (const r of outcome.results)
    rows.push([
      `  ${r.topic}/${r.shardId}`,
      shortSeq(r.sequenceNumber),
      r.key,
      r.outcome,
      flagOf(r.mayBeApplied),
      r.reason ?? '',
    ]);
  const count = (o: string) => outcome.results.filter((r) => r.outcome === o).length;
  return `redrive ${service} (session ${outcome.session}${outcome.resumed ? ', resumed' : ''})\n${table(rows)}\n  redriven ${count('redriven')}, failed ${count('failed')}, skipped ${count('skipped')}${count('planned') ? `, planned ${count('planned')}` : ''}`;
};

export const parkedRedrive = async (
  ctx: OpsContext,
  io: CliIo,
  options: ParkedOptions & { dryRun?: boolean; force?: boolean },
): Promise<number> => {
  const services: string[] = [];
  for (const service of servicesOf(ctx, options.service))
    if (options.service !== undefined || (await ctx.store.parkedCount(service)) > 0) services.push(service);
  const request = (service: string) => ({
    service,
    ...(options.topic && { topic: options.topic }),
    ...(options.seq && { sequenceNumbers: options.seq }),
    ...(options.dryRun && { dryRun: true }),
    ...(options.force && { force: true }),
  });
  // All or nothing: check every service before redriving any, so a refusal leaves all of them as they were.
  if (!options.force && !options.dryRun) {
    const flagged: MayBeAppliedItems[] = [];
    for (const service of services) {
      const items = await mayBeAppliedIn(ctx.store, request(service), REDRIVE_SESSION);
      if (items.length > 0) flagged.push({ service, items });
    }
    if (flagged.length > 0) throw mayBeAppliedError(flagged);
  }
  const outcomes: Record<string, RedriveOutcome> = {};
  const report = () =>
    io.out(
      options.json
        ? JSON.stringify(outcomes, null, 2)
        : Object.entries(outcomes)
            .filter(([, o]) => o.results.length > 0)
            .map(([s, o]) => renderRedrive(s, o))
            .join('\n\n') || 'parking lot is empty',
    );
  for (const service of services)
    try {
      outcomes[service] = await runRedrive(request(service), ctx);
    } catch (error) {
      // A later service failing (an event parked flagged since the check, an outage) must not hide
      // what the services before it already redrove.
      if (Object.keys(outcomes).length > 0) report();
      throw error;
    }
  report();
  const failed = Object.values(outcomes).some((o) => o.results.some((r) => r.outcome === 'failed'));
  return failed ? 1 : 0;
};

/**
 * Deletes parked events for good. Each delete commits with an audit record (`pk = audit#<service>`,
 * `sk = <time>#<topic>#<shard>#<seq>` in the parking table, holding the whole event, who and why).
 */
export const parkedDiscard = async (
  ctx: OpsContext,
  io: CliIo,
  options: ParkedOptions & { yes?: boolean; all?: boolean; reason?: string },
): Promise<number> => {
  if (!options.service) throw new OpsError('INVALID_ARGUMENT', 'discard needs --service');
  if (!options.seq?.length && !options.all)
    throw new OpsError('INVALID_ARGUMENT', 'name the events with --seq N (repeatable) or pass --all');
  const items = await select(ctx, options);
  if (!options.yes)
    throw new OpsError(
      'CONFIRMATION_REQUIRED',
      `discard deletes ${items.length} parked event(s) of ${options.service} for good (an audit record keeps a copy); add --yes`,
    );
  const at = new Date().toISOString();
  for (const item of items)
    await ctx.store.discardParked(item, {
      by: ctx.operator,
      reason: options.reason ?? 'discarded by operator',
      at,
    });
  io.out(
    options.json
      ? JSON.stringify({ discarded: items.map(summaryOf), audit: `audit#${options.service}` }, null, 2)
      : `discarded ${items.length} event(s); audit records under pk audit#${options.service} in the parking table`,
  );
  return 0;
};
