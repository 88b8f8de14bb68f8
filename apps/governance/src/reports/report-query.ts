// The query of a report: which patient (an identifier, pseudonymised server-side), which period, which
// institution (operator only) and which format; or the 400 naming the parameter. The schema is the published
// contract's (libs/contracts/src/http/governance.ts).
import { REPORT_FORMATS, reportQuery } from '@medshare/contracts';
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';
import { parseInput } from '../http/parse-input';

export { REPORT_FORMATS } from '@medshare/contracts';
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** HIPAA §164.528: an accounting covers the six years before the request. */
const DEFAULT_PERIOD_MS = 6 * 366 * 24 * 3_600_000;

export interface ReportQuery {
  patient?: { system: string; value: string };
  period: { from: Date; to: Date };
  institution?: string;
  format: ReportFormat;
}

export function parseReportQuery(query: Record<string, unknown>, formats: readonly ReportFormat[], now = new Date()): ReportQuery {
  const { patient, from, to = now, institution, format } = parseInput(reportQuery, query, GovernanceErrorCode.InvalidQuery);
  if (!formats.includes(format)) throw new GovernanceError(GovernanceErrorCode.InvalidQuery, `format: this report comes as ${formats.join(', ')}`);
  const period = { from: from ?? new Date(to.getTime() - DEFAULT_PERIOD_MS), to };
  if (period.from >= period.to) throw new GovernanceError(GovernanceErrorCode.InvalidQuery, 'from: must be before to');
  return { period, format, ...(patient === undefined ? {} : { patient }), ...(institution === undefined ? {} : { institution }) };
}
