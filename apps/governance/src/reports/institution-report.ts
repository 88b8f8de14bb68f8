// The institution report of a period: disclosures it gave and received by partner and purpose, its staff's
// break-glass uses with the outcome of their review, the cases opened and closed, and the alerts raised about it.
// Pure: the controller brings the rows.
import type { BreakGlassReview } from '../cases/cases.repository';
import type { CaseState } from '../cases/case-rules';
import type { DisclosureLine } from './reports.repository';

export interface FlowRow {
  direction: 'given' | 'received';
  partner: string;
  purpose: string;
  disclosures: number;
  records: number;
}

export interface InstitutionReport {
  institution: string;
  flows: FlowRow[];
  breakGlass: {
    at: string;
    practitioner: string;
    decisionId: string;
    holders: string[];
    eventId: string;
    /** The review case's state now (`closed-*`: reviewed, with its outcome), or `no-case` when none holds the use yet. */
    review: CaseState | 'no-case';
    escalated: boolean;
    caseId: string | null;
  }[];
  /** Cases about its staff opened in the period, and those closed in it by outcome (a case's last closing there). */
  cases: { opened: number; closed: { outcome: CaseState; count: number }[] };
  alerts: { kind: string; severity: string; count: number }[];
}

export function institutionReport(
  institution: string,
  lines: readonly DisclosureLine[],
  alerts: InstitutionReport['alerts'],
  cases: InstitutionReport['cases'],
  reviews: ReadonlyMap<string, BreakGlassReview>,
): InstitutionReport {
  const flows = new Map<string, FlowRow>();
  const add = (direction: FlowRow['direction'], partner: string, line: DisclosureLine) => {
    const key = JSON.stringify([direction, partner, line.purpose]);
    const row = flows.get(key) ?? { direction, partner, purpose: line.purpose, disclosures: 0, records: 0 };
    row.disclosures += 1;
    row.records += line.recordCount;
    flows.set(key, row);
  };
  for (const line of lines) {
    if (line.holders.includes(institution)) add('given', line.requesterInstitution, line);
    if (line.requesterInstitution === institution) for (const holder of line.holders.filter((other) => other !== institution)) add('received', holder, line);
  }
  return {
    institution,
    flows: [...flows.values()].sort(
      (a, b) => a.direction.localeCompare(b.direction) || a.partner.localeCompare(b.partner) || a.purpose.localeCompare(b.purpose),
    ),
    breakGlass: lines
      .filter((line) => line.breakGlass && line.requesterInstitution === institution)
      .map((line) => {
        const review = reviews.get(line.decisionId);
        return {
          at: line.disclosedAt,
          practitioner: line.practitioner,
          decisionId: line.decisionId,
          holders: line.holders,
          eventId: line.eventId,
          review: review?.state ?? 'no-case',
          escalated: review?.escalated ?? false,
          caseId: review?.caseId ?? null,
        };
      }),
    cases,
    alerts,
  };
}
