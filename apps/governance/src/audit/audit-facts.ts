// What an analyst may count, derived from the operational events governance reads: each fact becomes one flat audit
// event on its platform topic and is copied to the topic of every institution it concerns. Pure: no I/O.
import { envelope, topics, type EventOf, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { caseKeyOf, type CaseLimits } from '../cases/case-rules';

export const AUDIT_SOURCE = 'governance.audit';

export interface AuditFact {
  /** The platform-wide audit topic to write it to; none for facts already there (submissions, from ingestion). */
  publishTo?: TopicSpec;
  event: MedshareEvent;
  /** Institutions whose own audit topic gets a copy: submitter, requester, holder and recipient, or case owner. */
  institutions: string[];
}

export function auditFactsOf(event: MedshareEvent, limits: CaseLimits): AuditFact[] {
  const cause = { cause: event };
  switch (event.type) {
    case 'audit.submission.v1':
      return [{ event, institutions: [event.data.institution] }];
    case 'access.decision.v1': {
      const { decisionId, requester, purpose, purposeOfUse, effect, httpStatus, breakGlass, patient, requestedResourceTypes, withheldResourceTypes } =
        event.data;
      const data = {
        decisionId,
        institution: requester.institution,
        practitioner: requester.practitioner,
        ...(requester.role && { role: requester.role }),
        purpose,
        ...(purposeOfUse && { purposeOfUse }),
        effect,
        httpStatus,
        breakGlass,
        ...(patient && { patient }),
        requestedResourceTypes,
        withheldResourceTypes,
      };
      return [{ publishTo: topics.auditDecisions, event: envelope('audit.decision.v1', AUDIT_SOURCE, data, cause), institutions: [requester.institution] }];
    }
    case 'records.disclosed.v1':
      return disclosures(event);
    case 'keys.patient-shredded.v1': {
      const { patient, destroyedDeks } = event.data;
      return [
        {
          publishTo: topics.auditErasure,
          event: envelope('audit.erasure.v1', AUDIT_SOURCE, { patient, destroyedDeks }, { ...cause, subject: patient }),
          institutions: [],
        },
      ];
    }
    case 'governance.alert.v1': {
      const { alertId, kind, severity, institution, details } = event.data;
      const key = caseKeyOf({ alertId, kind, severity, institution: institution ?? null, details: details ?? null, raisedAt: event.time }, limits);
      if (key === undefined) return [];
      const decisionId = typeof details?.decisionId === 'string' ? details.decisionId : undefined;
      const data = {
        caseId: key.caseId,
        institution: key.institution,
        alertId,
        kind,
        severity,
        practitioner: key.practitioner,
        ...(key.patient !== null && { patient: key.patient }),
        ...(decisionId !== undefined && { decisionId }),
      };
      return [{ publishTo: topics.auditCases, event: envelope('audit.case-alert.v1', AUDIT_SOURCE, data, cause), institutions: [key.institution] }];
    }
    case 'governance.case.v1': {
      // Actors, assignees and notes stay out: officers' names and sealed free text are not an analyst's to count.
      const { caseId, institution, action, state } = event.data;
      const transition = envelope('audit.case-transition.v1', AUDIT_SOURCE, { caseId, institution, action, state }, cause);
      return [{ publishTo: topics.auditCases, event: transition, institutions: [institution] }];
    }
    default:
      return [];
  }
}

/** One fact per holder institution: what its records told the recipient under this decision. */
function disclosures(event: EventOf<'records.disclosed.v1'>): AuditFact[] {
  const { decisionId, requester, patient, purpose, breakGlass, deIdentified, records } = event.data;
  const byHolder = new Map<string, Set<string>>();
  const counts = new Map<string, number>();
  for (const record of records) {
    byHolder.set(record.institution, (byHolder.get(record.institution) ?? new Set()).add(record.resourceType));
    counts.set(record.institution, (counts.get(record.institution) ?? 0) + 1);
  }
  return [...byHolder].map(([holder, types]) => ({
    publishTo: topics.auditDisclosures,
    event: envelope(
      'audit.disclosure.v1',
      AUDIT_SOURCE,
      {
        decisionId,
        holder,
        recipient: requester.institution,
        practitioner: requester.practitioner,
        purpose,
        breakGlass,
        deIdentified,
        patient,
        records: counts.get(holder) ?? 0,
        resourceTypes: [...types].sort(),
      },
      { cause: event, subject: patient },
    ),
    institutions: [...new Set([holder, requester.institution])],
  }));
}
