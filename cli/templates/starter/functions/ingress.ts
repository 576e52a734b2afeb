import { createIngressHandler } from 'spine';
import { catalog } from '../catalog';

/** The HTTP ingress: validates and authorizes what producers publish, against this catalog. */
export const handler = createIngressHandler(catalog);
