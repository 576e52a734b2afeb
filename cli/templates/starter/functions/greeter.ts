import { defineService } from 'spine';
import { catalog } from '../catalog';
import { greeter } from '../services/greeter';

/** Lambda entry of the `greeter` service (the catalog's `entry`); local mode loads it too. */
export const handler = defineService(catalog, 'greeter', greeter);
