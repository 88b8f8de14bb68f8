// Parses the query strings of GET /v1/alerts and GET /v1/quality, or says which parameter is wrong. The schemas
// are the published contract's (libs/contracts/src/http/governance.ts).
import { alertQuery, qualityQuery } from '@medshare/contracts';
import type { AlertQuery } from '../alerts/alerts.repository';
import { GovernanceError, GovernanceErrorCode } from './governance-error';
import { parseInput } from './parse-input';

export { SINCE_RANGE } from '@medshare/contracts';

export function parseAlertQuery(query: Record<string, unknown>): AlertQuery {
  const { kind, since, limit } = parseInput(alertQuery, query, GovernanceErrorCode.InvalidQuery);
  return { limit, ...(kind === undefined ? {} : { kind }), ...(since === undefined ? {} : { since }) };
}

const QUALITY_DAYS = 30;

/** The days asked for (default the last QUALITY_DAYS up to `today`) and the institution the operator named. */
export function parseQualityQuery(query: Record<string, unknown>, today: Date): { from: string; to: string; institution?: string } {
  const { from, to, institution } = parseInput(qualityQuery, query, GovernanceErrorCode.InvalidQuery);
  const until = to ?? today.toISOString().slice(0, 10);
  const since = from ?? new Date(Date.parse(until) - (QUALITY_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  if (since > until) throw new GovernanceError(GovernanceErrorCode.InvalidQuery, 'from: must not be after to');
  return { from: since, to: until, ...(institution === undefined ? {} : { institution }) };
}
