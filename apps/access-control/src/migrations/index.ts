// Every migration of the access-control database, listed explicitly and in order.
import { AccessProjections1732500000000 } from './1732500000000-access-projections';

export const migrations = [AccessProjections1732500000000];
