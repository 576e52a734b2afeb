import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { LagHistoryView, LiveSample, SubscriptionView } from '../../api-types';
import { enc, getJson, postJson } from '../api';
import { duration, shortSeq, time } from '../format';
import { LagChart } from './chart';

interface Detail {
  readonly subscription?: SubscriptionView;
  readonly history: LagHistoryView;
}

/** One subscription: lag per shard over time, checkpoints, last errors, and pause/resume. */
export const Subscription = ({
  service,
  topic,
  sample,
}: {
  service: string;
  topic: string;
  sample?: LiveSample;
}) => {
  const [detail, setDetail] = useState<Detail>();
  const [busy, setBusy] = useState<string>();
  const [message, setMessage] = useState('');
  const path = `/api/subscriptions/${enc(service)}/${enc(topic)}`;
  useEffect(() => {
    getJson<Detail>(path).then(setDetail, (e: unknown) => setMessage(String(e)));
  }, [path, sample?.at]);
  const sub = detail?.subscription;
  const act = async (action: 'pause' | 'resume') => {
    setBusy(action);
    setMessage(action === 'pause' ? 'Pausing: waiting for the batch in flight to finish…' : 'Resuming…');
    try {
      const out = await postJson<{ paused: boolean }>(`${path}/${action}`);
      setMessage(out.paused ? 'Live delivery paused (no batch in flight).' : 'Live delivery running.');
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(undefined);
    }
  };
  return h('section', { 'aria-labelledby': 'sub-title' }, [
    h('h2', { id: 'sub-title' }, `${service} ← ${topic}`),
    h('p', null, [
      h('span', { class: sub?.paused ? 'badge paused' : 'badge' }, sub?.paused ? 'paused' : 'running'),
      ' ',
      h(
        'button',
        { type: 'button', disabled: busy !== undefined || sub?.paused === true, onClick: () => act('pause') },
        'Pause',
      ),
      ' ',
      h(
        'button',
        {
          type: 'button',
          disabled: busy !== undefined || sub?.paused !== true,
          onClick: () => act('resume'),
        },
        'Resume',
      ),
    ]),
    h('p', { role: 'status', 'aria-live': 'polite' }, message),
    h(
      'p',
      { class: 'lag-now', 'data-lag': sub?.lag ?? '' },
      sub ? `Lag now: ${sub.lag} events` : 'Lag now: …',
    ),
    detail &&
      h(LagChart, {
        history: detail.history,
        label: `Lag per shard of ${service} on ${topic} (events behind, per sample)`,
      }),
    sub &&
      sub.checkpoints === 'key' &&
      h('p', null, 'Per-key checkpoints: lag per shard counts after the highest key marker (approximate).'),
    sub &&
      h('table', null, [
        h('caption', null, 'Shards'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            [
              'Shard',
              'Lag (events)',
              'Lag (time)',
              'Checkpoint',
              'Checkpointed event arrived',
              'Last error',
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          null,
          sub.shards.map((s) =>
            h('tr', { key: s.shardId }, [
              h('th', { scope: 'row' }, s.shardId),
              h('td', { class: 'num' }, `${s.capped ? '≥' : ''}${s.events}`),
              h('td', { class: 'num' }, duration(s.lagMs)),
              h('td', { title: s.checkpoint ?? '' }, shortSeq(s.checkpoint)),
              h('td', null, s.checkpointArrivedAt === undefined ? '-' : time(s.checkpointArrivedAt)),
              h(
                'td',
                null,
                s.lastError
                  ? `seq ${shortSeq(s.lastError.sequenceNumber)} ×${s.lastError.attempts}: ${s.lastError.error}`
                  : '-',
              ),
            ]),
          ),
        ),
      ]),
  ]);
};
