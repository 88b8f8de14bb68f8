// The query of a report: which patient (an identifier, pseudonymised server-side), which period, which
// institution (operator only) and which format; or the 400 naming the parameter.
import { z } from 'zod';
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';

export const REPORT_FORMATS = ['json', 'fhir', 'html', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** HIPAA §164.528: an accounting covers the six years before the request. */
const DEFAULT_PERIOD_MS = 6 * 366 * 24 * 3_600_000;

const instant = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .refine((date) => date.getUTCFullYear() >= 1 && date.getUTCFullYear() <= 9999, 'must be an instant in the years 0001-9999 (UTC)');

/** A FHIR token `system|value` of one of the patient's identifiers; the system an absolute URI. */
const patientToken = z
  .string()
  .max(512)
  .regex(/^[a-z][a-z0-9+.-]*:[^|\s]+\|.*\S.*$/i, 'must be a FHIR token system|value (system an absolute URI)')
  .transform((text) => ({ system: text.slice(0, text.indexOf('|')), value: text.slice(text.indexOf('|') + 1) }));

const reportQuerySchema = z.strictObject({
  patient: patientToken.optional(),
  from: instant.optional(),
  to: instant.optional(),
  institution: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be an institution id').optional(),
  format: z.enum(REPORT_FORMATS).default('json'),
});

export interface ReportQuery {
  patient?: { system: string; value: string };
  period: { from: Date; to: Date };
  institution?: string;
  format: ReportFormat;
}

export function parseReportQuery(query: Record<string, unknown>, formats: readonly ReportFormat[], now = new Date()): ReportQuery {
  const parsed = reportQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new GovernanceError(GovernanceErrorCode.InvalidQuery, parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'query'}: ${issue.message}`).join('; '));
  }
  const { patient, from, to = now, institution, format } = parsed.data;
  if (!formats.includes(format)) throw new GovernanceError(GovernanceErrorCode.InvalidQuery, `format: this report comes as ${formats.join(', ')}`);
  const period = { from: from ?? new Date(to.getTime() - DEFAULT_PERIOD_MS), to };
  if (period.from >= period.to) throw new GovernanceError(GovernanceErrorCode.InvalidQuery, 'from: must be before to');
  return { period, format, ...(patient === undefined ? {} : { patient }), ...(institution === undefined ? {} : { institution }) };
}
