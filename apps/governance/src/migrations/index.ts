// Every migration of the governance database, listed explicitly and in order.
import { Alerts1767225600000 } from './1767225600000-alerts';

export const migrations = [Alerts1767225600000];
