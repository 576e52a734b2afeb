import { defineService } from '../../shared/consumer';
import { analytics } from '../services/analytics';

/** Lambda entry of the `analytics` service (one function per subscribed topic, same code). */
export const handler = defineService(analytics);
