// Every migration of the access-control database, listed explicitly and in order.
import { AccessProjections1732500000000 } from './1732500000000-access-projections';
import { IdentityLinks1732600000000 } from './1732600000000-identity-links';
import { BreakGlassReasons1732700000000 } from './1732700000000-break-glass-reasons';
import { PendingRecords1732800000000 } from './1732800000000-pending-records';

export const migrations = [AccessProjections1732500000000, IdentityLinks1732600000000, BreakGlassReasons1732700000000, PendingRecords1732800000000];
