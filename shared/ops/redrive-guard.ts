import { OpsError } from './errors';
import { splitShardId } from './scope';
import type { OpsStore, ParkedItem } from './store';

/** The parked events of one service a redrive would take that are flagged `mayBeApplied`. */
export interface MayBeAppliedItems {
  readonly service: string;
  readonly items: readonly ParkedItem[];
}

/**
 * The error a redrive raises, before it changes anything, when events it would take are parked
 * `mayBeApplied` (docs/consumer-single-item.md): a redrive writes under its own session's fence, so it
 * would apply such an event a second time. One error for every selected service, so a redrive of many
 * services refuses before redriving any of them.
 */
export const mayBeAppliedError = (flagged: readonly MayBeAppliedItems[]): OpsError => {
  const events = flagged.flatMap(({ service, items }) =>
    items.map((p) => `${service} ${p.topic}/${splitShardId(p.shardId).shardId} seq ${p.sequenceNumber}`),
  );
  return new OpsError(
    'MAY_BE_APPLIED',
    `${events.length} parked event(s) may already be applied (written alone before a failed re-run ` +
      `parked them), and a redrive would apply them again: ${events.join(', ')}. Nothing was redriven. ` +
      "Check each one's effect in the state tables: discard those applied " +
      '(`spine parked discard --service <s> --seq <n>`), redrive the others with ' +
      '`spine parked redrive --service <s> --seq <n> --force`, or leave them out with `--seq`.',
  );
};

/**
 * The flagged events a redrive of `service` would take: its parked items (of `topic`, of
 * `sequenceNumbers`), less those an open redrive session re-parked (evidence, not work). Read-only:
 * a caller checks every service with it first, then redrives.
 */
export const mayBeAppliedIn = async (
  store: Pick<OpsStore, 'parked' | 'getSession'>,
  request: {
    readonly service: string;
    readonly topic?: string;
    readonly sequenceNumbers?: readonly string[];
  },
  sessionName: string,
): Promise<ParkedItem[]> => {
  const open = await store.getSession(request.service, undefined, sessionName);
  const wanted = request.sequenceNumbers && new Set(request.sequenceNumbers);
  return (await store.parked(request.service, request.topic)).filter(
    (p) =>
      p.mayBeApplied === true &&
      (!open || splitShardId(p.shardId).scope !== open.scope) &&
      (!wanted || wanted.has(p.sequenceNumber)),
  );
};
