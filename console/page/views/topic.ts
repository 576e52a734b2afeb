import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { CatalogView, DecodedEvent } from '../../api-types';
import { enc, useJson } from '../api';
import { fieldValue } from '../format';
import { EventCard } from './event-card';

/** Events kept on the page; older ones drop off the bottom. */
const KEEP = 300;

interface Filter {
  readonly from: string;
  readonly type: string;
  readonly key: string;
}

/** A live tail of one topic (every shard, as `spine tail`), filtered by type, key and start time. */
export const Topic = ({ topic }: { topic: string }) => {
  const { data: catalog } = useJson<CatalogView>('/api/catalog');
  const types = (catalog?.types ?? []).filter((t) => t.topic === topic).map((t) => t.type);
  const [draft, setDraft] = useState<Filter>({ from: '15m', type: '', key: '' });
  const [filter, setFilter] = useState<Filter>(draft);
  const [events, setEvents] = useState<DecodedEvent[]>([]);
  const [state, setState] = useState('connecting');
  useEffect(() => {
    setEvents([]);
    const params = new URLSearchParams({ from: filter.from || 'latest' });
    if (filter.type) params.set('type', filter.type);
    if (filter.key) params.set('key', filter.key);
    const source = new EventSource(`/api/topics/${enc(topic)}/tail?${params}`);
    source.onopen = () => setState('following');
    source.onerror = () => setState('disconnected; retrying');
    source.addEventListener('event', (e) => {
      if (e instanceof MessageEvent && typeof e.data === 'string') {
        const event: DecodedEvent = JSON.parse(e.data);
        setEvents((list) => [event, ...list].slice(0, KEEP));
      }
    });
    return () => source.close();
  }, [topic, filter]);
  const field = (name: keyof Filter) => (e: Event) => setDraft({ ...draft, [name]: fieldValue(e) });
  return h('section', { 'aria-labelledby': 'topic-title' }, [
    h('h2', { id: 'topic-title' }, `Topic ${topic}: live tail`),
    h(
      'form',
      {
        class: 'filters',
        onSubmit: (e: Event) => {
          e.preventDefault();
          setFilter(draft);
        },
      },
      [
        h('label', null, [
          'Type ',
          h('select', { name: 'type', value: draft.type, onChange: field('type') }, [
            h('option', { value: '' }, 'any'),
            ...types.map((t) => h('option', { value: t }, t)),
          ]),
        ]),
        h('label', null, [
          'Key ',
          h('input', { name: 'key', value: draft.key, placeholder: 'any', onInput: field('key') }),
        ]),
        h('label', null, [
          'From ',
          h('input', {
            name: 'from',
            value: draft.from,
            title: 'start, latest, a time (ISO, epoch ms) or an age like 15m',
            onInput: field('from'),
          }),
        ]),
        h('button', { type: 'submit' }, 'Apply'),
      ],
    ),
    h('p', { role: 'status' }, `${state} · ${events.length} event(s) shown, newest first`),
    h(
      'div',
      { class: 'events' },
      events.map((event) => h(EventCard, { key: `${event.shardId}/${event.sequenceNumber}`, event })),
    ),
  ]);
};
