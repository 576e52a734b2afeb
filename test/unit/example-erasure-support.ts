import { DELETED_ATTR, type MemoryConsumerStore } from '../../shared/consumer';

/** The user the erasure tests delete, with every value the e2e test looks for. */
export const ada = { userId: 'u-1', name: 'Ada', email: 'ada@example.com' } as const;

/**
 * Items of a service's tables (the memory store's, `t.store.tables`) that mention one of `needles`, as
 * `table/pk`. A delete's tombstone is judged by its attributes only: the runtime keeps the deleted key with
 * its fences and no user attribute until a sweep after the grace (docs/consumer-single-item.md, "Deletes").
 */
export const traces = (store: MemoryConsumerStore, needles: readonly string[]): string[] => {
  const found: string[] = [];
  for (const [table, rows] of store.tables)
    for (const [pk, item] of rows) {
      const tombstone = item[DELETED_ATTR] === true;
      const shown = tombstone
        ? Object.entries(item).filter(([k]) => k !== 'pk' && !k.startsWith('spine:'))
        : item;
      const text = JSON.stringify(shown);
      if (needles.some((n) => text.includes(n))) found.push(`${table}/${pk}`);
    }
  return found;
};
