import { h } from 'preact';
import type { CatalogView } from '../../api-types';
import { useJson } from '../api';
import { Json } from './event-card';

/** Event types with versions, schemas, compatibility mode, writer and readers. */
export const Catalog = () => {
  const { data, error } = useJson<CatalogView>('/api/catalog');
  if (error) return h('p', { class: 'error', role: 'alert' }, error);
  if (!data) return h('p', { role: 'status' }, 'Loading the catalog…');
  return h('section', { 'aria-labelledby': 'catalog-title' }, [
    h('h2', { id: 'catalog-title' }, 'Catalog'),
    h('table', null, [
      h('caption', null, 'Event types'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Type', 'Topic', 'Key field', 'Versions', 'Compatibility', 'Writer', 'Readers'].map((c) =>
            h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        data.types.map((t) =>
          h('tr', { key: t.type }, [
            h('th', { scope: 'row' }, [t.type, t.tombstone && h('span', { class: 'badge' }, ' tombstone')]),
            h('td', null, h('a', { href: `#/topics/${t.topic}` }, t.topic)),
            h('td', null, t.keyField),
            h('td', null, t.versions.map((v) => v.version).join(', ')),
            h('td', null, t.compatibility),
            h('td', null, t.writer),
            h('td', null, t.readers.join(', ') || '-'),
          ]),
        ),
      ),
    ]),
    h('h3', null, 'Schemas'),
    ...data.types.flatMap((t) =>
      t.versions.map((v) =>
        h('details', { key: `${t.type}-${v.version}` }, [
          h('summary', null, `${t.type} v${v.version}`),
          h(Json, { value: v.schema, label: `schema of ${t.type} version ${v.version}` }),
        ]),
      ),
    ),
  ]);
};
