// Parses the query string of GET /v1/alerts into a repository query, or says which parameter is wrong. The schema
// is the published contract's (libs/contracts/src/http/governance.ts).
import { alertQuery } from '@medshare/contracts';
import type { AlertQuery } from '../alerts/alerts.repository';
import { GovernanceErrorCode } from './governance-error';
import { parseInput } from './parse-input';

export { SINCE_RANGE } from '@medshare/contracts';

export function parseAlertQuery(query: Record<string, unknown>): AlertQuery {
  const { kind, since, limit } = parseInput(alertQuery, query, GovernanceErrorCode.InvalidQuery);
  return { limit, ...(kind === undefined ? {} : { kind }), ...(since === undefined ? {} : { since }) };
}
