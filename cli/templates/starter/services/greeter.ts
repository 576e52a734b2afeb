import type { ServiceDefinition } from 'spine';
import type { catalog } from '../catalog';

/**
 * The `greeter` service: one handler per event type it consumes. The types come from the catalog:
 * `event.data` is the schema's shape, and `ctx.put` accepts only the service's own tables.
 */
export const greeter: ServiceDefinition<typeof catalog, 'greeter'> = {
  on: {
    Greeted: async (event, ctx) => {
      const { name, message } = event.data;
      const before = await ctx.get('counts', name);
      const count = typeof before?.count === 'number' ? before.count : 0;
      ctx.put('counts', { pk: name, count: count + 1, lastMessage: message });
    },
  },
};
