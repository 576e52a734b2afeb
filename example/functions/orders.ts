import { defineService } from '../../shared/consumer';
import { orders } from '../services/orders';

/** Lambda entry of the `orders` service (one function per subscribed topic, same code). */
export const handler = defineService(orders);
