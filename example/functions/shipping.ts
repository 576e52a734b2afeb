import { defineService } from '../../shared/consumer';
import { shipping } from '../services/shipping';

/** Lambda entry of the `shipping` service (one function per subscribed topic, same code). */
export const handler = defineService(shipping);
