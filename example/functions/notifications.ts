import { defineService } from '../../shared/consumer';
import { notifications } from '../services/notifications';

/** Lambda entry of the `notifications` service (one function per subscribed topic, same code). */
export const handler = defineService(notifications);
