// Given operational events, then the audit facts analysts read: which type, which platform topic, which institutions'
// topics get a copy, and that nothing free-text or officer-named crosses over.
import { envelope, topics, type MedshareEvent } from '@medshare/contracts';
import { caseKeyOf, type CaseLimits } from '../cases/case-rules';
import { auditFactsOf } from './audit-facts';

const HOUR = 3_600_000;
const limits: CaseLimits = { windowMs: 24 * HOUR, breakGlassReviewMs: 2 * HOUR, dueMs: { critical: 4 * HOUR, warning: 24 * HOUR, info: 72 * HOUR } };
const patient = 'p-abcdefghijklmnopqrstuvwxyz234567';
const requester = { institution: 'hosp-b', practitioner: 'pr-abcdefghijklmnop', role: 'physician' as const };

const decision = envelope('access.decision.v1', 'access-control', {
  decisionId: 'd-1',
  requester,
  patient,
  purpose: 'TREAT',
  effect: 'permit',
  httpStatus: 200,
  reasons: ['consent permits'],
  breakGlass: false,
  withheldResourceTypes: [],
  requestedResourceTypes: ['Observation'],
});
const disclosed = envelope('records.disclosed.v1', 'access-control', {
  decisionId: 'd-1',
  requester,
  patient,
  purpose: 'TREAT',
  breakGlass: false,
  deIdentified: false,
  records: [
    { recordId: 'r1', resourceType: 'Observation', institution: 'hosp-a' },
    { recordId: 'r2', resourceType: 'Patient', institution: 'hosp-a' },
    { recordId: 'r3', resourceType: 'Observation', institution: 'hosp-b' },
  ],
});
const shredded = envelope('keys.patient-shredded.v1', 'encryption', { patient, destroyedDeks: 2, reason: 'patient withdrew' }, { subject: patient });
const breakGlass = envelope('governance.alert.v1', 'access-control', {
  alertId: 'al-1',
  kind: 'break-glass',
  severity: 'critical',
  summary: 'break-glass (ETREAT) permitted for practitioner pr-abcdefghijklmnop of hosp-b',
  institution: 'hosp-b',
  details: { decisionId: 'd-2', practitioner: requester.practitioner, patient, effect: 'permit', reasonGiven: true },
});
const platformAlert = envelope('governance.alert.v1', 'ledger', { alertId: 'al-2', kind: 'ledger-tamper', severity: 'critical', summary: 'replica 2 edited' });
const caseClosed = envelope('governance.case.v1', 'governance', {
  caseId: `case-${'a'.repeat(40)}`,
  institution: 'hosp-b',
  action: 'state-changed',
  state: 'closed-justified',
  actor: 'officer-hosp-b',
});
const submission = envelope('audit.submission.v1', 'hosp-a', { submissionId: 's-1', institution: 'hosp-a', status: 202, accepted: 2, refused: 0, issues: [] });

describe('audit facts of operational events', () => {
  it.each<[string, MedshareEvent, { type: string; topic?: string; institutions: string[] }[]]>([
    ['a submission is copied to its institution as it is', submission, [{ type: 'audit.submission.v1', institutions: ['hosp-a'] }]],
    ['a decision goes to the requester', decision, [{ type: 'audit.decision.v1', topic: topics.auditDecisions.name, institutions: ['hosp-b'] }]],
    [
      'a disclosure per holder, to holder and recipient',
      disclosed,
      [
        { type: 'audit.disclosure.v1', topic: topics.auditDisclosures.name, institutions: ['hosp-a', 'hosp-b'] },
        { type: 'audit.disclosure.v1', topic: topics.auditDisclosures.name, institutions: ['hosp-b'] },
      ],
    ],
    ['a shred names no institution: platform topic only', shredded, [{ type: 'audit.erasure.v1', topic: topics.auditErasure.name, institutions: [] }]],
    ["a practitioner's alert joins its case", breakGlass, [{ type: 'audit.case-alert.v1', topic: topics.auditCases.name, institutions: ['hosp-b'] }]],
    ['a platform alert is not a case', platformAlert, []],
    ['a case step', caseClosed, [{ type: 'audit.case-transition.v1', topic: topics.auditCases.name, institutions: ['hosp-b'] }]],
  ])('%s', (_, event, expected) => {
    const facts = auditFactsOf(event, limits);
    expect(facts.map((fact) => ({ type: fact.event.type, ...(fact.publishTo && { topic: fact.publishTo.name }), institutions: fact.institutions }))).toEqual(
      expected,
    );
  });

  it('counts each holder’s records and types, and carries no free text, reasons or officers', () => {
    const [fromA] = auditFactsOf(disclosed, limits);
    expect(fromA.event.data).toMatchObject({ holder: 'hosp-a', recipient: 'hosp-b', records: 2, resourceTypes: ['Observation', 'Patient'] });
    const all = JSON.stringify([decision, shredded, breakGlass, caseClosed].flatMap((event) => auditFactsOf(event, limits).map((fact) => fact.event.data)));
    for (const text of ['consent permits', 'patient withdrew', 'officer-hosp-b', 'break-glass (ETREAT)']) expect(all).not.toContain(text);
  });

  it("names the break-glass use's case as governance files it, so the review outcome joins", () => {
    const [fact] = auditFactsOf(breakGlass, limits);
    const key = caseKeyOf(
      {
        alertId: 'al-1',
        kind: 'break-glass',
        severity: 'critical',
        institution: 'hosp-b',
        details: breakGlass.data.details ?? null,
        raisedAt: breakGlass.time,
      },
      limits,
    );
    expect(fact.event.data).toMatchObject({ caseId: key?.caseId, decisionId: 'd-2', practitioner: requester.practitioner, patient });
  });
});
