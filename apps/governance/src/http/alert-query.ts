// Parses the query string of GET /v1/alerts into a repository query, or says which parameter is wrong. The schema
// is the published contract's (libs/contracts/src/http/governance.ts).
import { alertQuery } from '@medshare/contracts';
import type { AlertQuery } from '../alerts/alerts.repository';
import { GovernanceError, GovernanceErrorCode } from './governance-error';

export { SINCE_RANGE } from '@medshare/contracts';

export function parseAlertQuery(query: Record<string, unknown>): AlertQuery {
  const parsed = alertQuery.safeParse(query);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'query'}: ${issue.message}`);
    throw new GovernanceError(GovernanceErrorCode.InvalidQuery, problems.join('; '));
  }
  const { kind, since, limit } = parsed.data;
  return { limit, ...(kind === undefined ? {} : { kind }), ...(since === undefined ? {} : { since }) };
}
