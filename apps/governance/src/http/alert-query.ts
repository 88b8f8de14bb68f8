// Parses the query string of GET /v1/alerts into a repository query, or says which parameter is wrong.
import { z } from 'zod';
import { eventSchemas } from '@medshare/contracts';
import type { AlertQuery } from '../alerts/alerts.repository';
import { GovernanceError, GovernanceErrorCode } from './governance-error';

export const MAX_ALERTS_PER_PAGE = 500;

/**
 * The instants `since` may name: four-digit years in UTC. Outside them the instant is valid ISO 8601 but
 * PostgreSQL refuses it (year 0000, six-digit years), which would turn a bad query into a 500.
 */
export const SINCE_RANGE = { earliest: new Date('0001-01-01T00:00:00.000Z'), latest: new Date('9999-12-31T23:59:59.999Z') } as const;

const alertQuerySchema = z.strictObject({
  kind: eventSchemas['governance.alert.v1'].shape.kind.optional(),
  since: z.iso
    .datetime({ offset: true })
    .transform((text) => new Date(text))
    .refine((instant) => instant >= SINCE_RANGE.earliest && instant <= SINCE_RANGE.latest, 'must be an instant in the years 0001-9999 (UTC)')
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_ALERTS_PER_PAGE).default(100),
});

export function parseAlertQuery(query: Record<string, unknown>): AlertQuery {
  const parsed = alertQuerySchema.safeParse(query);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'query'}: ${issue.message}`);
    throw new GovernanceError(GovernanceErrorCode.InvalidQuery, problems.join('; '));
  }
  const { kind, since, limit } = parsed.data;
  return { limit, ...(kind === undefined ? {} : { kind }), ...(since === undefined ? {} : { since }) };
}
