// Parses the query string of GET /v1/alerts into a repository query, or says which parameter is wrong.
import { z } from 'zod';
import { eventSchemas } from '@medshare/contracts';
import type { AlertQuery } from '../alerts/alerts.repository';
import { GovernanceError, GovernanceErrorCode } from './governance-error';

export const MAX_ALERTS_PER_PAGE = 500;

const alertQuerySchema = z.strictObject({
  kind: eventSchemas['governance.alert.v1'].shape.kind.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_ALERTS_PER_PAGE).default(100),
});

export function parseAlertQuery(query: Record<string, unknown>): AlertQuery {
  const parsed = alertQuerySchema.safeParse(query);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'query'}: ${issue.message}`);
    throw new GovernanceError(GovernanceErrorCode.InvalidQuery, problems.join('; '));
  }
  const { kind, since, limit } = parsed.data;
  return { limit, ...(kind === undefined ? {} : { kind }), ...(since === undefined ? {} : { since: new Date(since) }) };
}
