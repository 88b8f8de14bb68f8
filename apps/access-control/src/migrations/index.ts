// Every migration of the access-control database, listed explicitly and in order.
import { AccessProjections1732500000000 } from './1732500000000-access-projections';
import { IdentityLinks1732600000000 } from './1732600000000-identity-links';

export const migrations = [AccessProjections1732500000000, IdentityLinks1732600000000];
