import { catalog } from '../catalog';
import { createIngressHandler } from './create-ingress-handler';

/** This project's ingress: the catalog is the only thing that differs between Spine projects. */
export const handler = createIngressHandler(catalog);
