import { h } from 'preact';
import type { LiveSample } from '../../api-types';
import { enc } from '../api';
import { Sparkline } from './chart';

const link = (href: string, text: string) => h('a', { href }, text);

const Topics = ({ sample }: { sample: LiveSample }) =>
  h('table', null, [
    h('caption', null, 'Topics'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Topic', 'Open shards', 'Capacity', 'Retention', 'Events/s'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      sample.topics.map((t) =>
        h('tr', { key: t.name }, [
          h('th', { scope: 'row' }, link(`#/topics/${enc(t.name)}`, t.name)),
          h('td', { class: 'num' }, t.shards),
          h('td', null, t.capacity === 'on-demand' ? 'on-demand' : `${t.capacity} shards`),
          h('td', { class: 'num' }, `${t.retentionHours} h`),
          h('td', { class: 'num' }, t.eventsPerSecond === undefined ? '…' : t.eventsPerSecond.toFixed(1)),
        ]),
      ),
    ),
  ]);

const Subscriptions = ({ sample }: { sample: LiveSample }) =>
  h('table', { 'aria-describedby': 'subs-note' }, [
    h('caption', null, 'Services and their subscriptions'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Service', 'Topic', 'State', 'Lag (events)', 'Lag over time', 'Parked (service)'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      sample.subscriptions.map((s) => {
        const name = `${s.service}<-${s.topic}`;
        const failing = s.shards.some((sh) => sh.lastError);
        return h('tr', { key: name, 'data-subscription': name }, [
          h('th', { scope: 'row' }, s.service),
          h('td', null, link(`#/subscriptions/${enc(s.service)}/${enc(s.topic)}`, s.topic)),
          h('td', null, [
            s.paused ? h('span', { class: 'badge paused' }, 'paused') : 'running',
            failing && h('span', { class: 'badge error' }, ' failing'),
          ]),
          h(
            'td',
            { class: 'num', 'data-lag': s.lag },
            `${s.shards.some((sh) => sh.capped) ? '≥' : ''}${s.lag}`,
          ),
          h(
            'td',
            null,
            h(Sparkline, {
              values: sample.sparklines[name] ?? [],
              label: `lag of ${s.service} on ${s.topic}, latest ${s.lag}`,
            }),
          ),
          h('td', { class: 'num' }, link('#/parked', String(sample.parked[s.service] ?? 0))),
        ]);
      }),
    ),
  ]);

/** Topics, every subscription with its live lag, and parked counts: one glance at the backbone. */
export const Overview = ({ sample }: { sample: LiveSample | undefined }) => {
  if (!sample) return h('p', { role: 'status' }, 'Waiting for the first sample…');
  const parked = Object.values(sample.parked).reduce((a, b) => a + b, 0);
  return h('section', { 'aria-labelledby': 'overview-title' }, [
    h('h2', { id: 'overview-title' }, 'Overview'),
    h('p', { id: 'subs-note' }, [
      `Sampled ${new Date(sample.at).toLocaleTimeString()} · ${sample.subscriptions.length} subscriptions · `,
      link('#/parked', `${parked} parked event(s)`),
    ]),
    h(Topics, { sample }),
    h(Subscriptions, { sample }),
  ]);
};
