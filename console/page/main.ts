import 'uplot/dist/uPlot.min.css';
import './style.css';
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { LiveSample } from '../api-types';
import { useLive } from './api';
import { Catalog } from './views/catalog';
import { Events } from './views/events';
import { Overview } from './views/overview';
import { Parked } from './views/parked';
import { Subscription } from './views/subscription';
import { Topic } from './views/topic';

const useHash = () => {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
};

const NAV = [
  ['#/', 'Overview'],
  ['#/parked', 'Parking lot'],
  ['#/events', 'Events by key'],
  ['#/catalog', 'Catalog'],
] as const;

/** The view a hash route names; anything unknown is the overview. */
const route = (parts: readonly string[], search: string, sample: LiveSample | undefined) => {
  const [first, second, third] = parts;
  if (first === 'subscriptions' && second && third)
    return h(Subscription, { service: second, topic: third, ...(sample && { sample }) });
  if (first === 'topics' && second) return h(Topic, { key: second, topic: second });
  if (first === 'events') return h(Events, { key: search, query: new URLSearchParams(search) });
  if (first === 'parked') return h(Parked, null);
  if (first === 'catalog') return h(Catalog, null);
  return h(Overview, { sample });
};

/** Hash routes: `#/`, `#/subscriptions/S/T`, `#/topics/T`, `#/events?key=K`, `#/parked`, `#/catalog`. */
const App = () => {
  const hash = useHash();
  const live = useLive();
  const [path = '/', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  useEffect(() => {
    document.getElementById('main')?.focus();
  }, [path]);
  const current = `#/${parts[0] ?? ''}`;
  return h('div', { class: 'shell' }, [
    h('a', { href: '#main', class: 'skip' }, 'Skip to content'),
    h('header', null, [
      h('h1', null, 'Spine console'),
      h('span', { class: 'target' }, live.sample?.target ?? ''),
      h('span', { class: live.connected ? 'live on' : 'live' }, live.connected ? 'live' : 'offline'),
    ]),
    h(
      'nav',
      { 'aria-label': 'Views' },
      h(
        'ul',
        null,
        NAV.map(([href, label]) =>
          h('li', null, h('a', { href, 'aria-current': current === href ? 'page' : undefined }, label)),
        ),
      ),
    ),
    h('main', { id: 'main', tabIndex: -1 }, route(parts, search, live.sample)),
  ]);
};

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(h(App, null), root);
}
