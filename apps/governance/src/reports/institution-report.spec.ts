// Given one period's disclosures, then what the institution report says each institution gave, received and did in emergencies.
import { institutionReport } from './institution-report';
import type { DisclosureLine } from './reports.repository';

const line = (n: number, requester: string, holders: string[], purpose: string, breakGlass = false): DisclosureLine => ({
  eventId: `e-${n}`,
  decisionId: `d-${n}`,
  disclosedAt: `2026-12-0${n}T10:00:00.000Z`,
  patient: 'p-x',
  requesterInstitution: requester,
  practitioner: `pr-${n}`,
  role: 'physician',
  purpose,
  breakGlass,
  deIdentified: false,
  resourceTypes: ['Observation'],
  holders,
  recordCount: n,
});

const noCases = { opened: 0, closed: [] };

describe('institutionReport', () => {
  const lines = [
    line(1, 'hosp-b', ['hosp-a'], 'TREAT'),
    line(2, 'hosp-b', ['hosp-a'], 'TREAT'),
    line(3, 'hosp-a', ['hosp-b', 'hosp-c'], 'ETREAT', true),
    line(4, 'hosp-a', ['hosp-a'], 'TREAT'),
  ];

  it('counts disclosures given by requesting partner and received by holding partner, per purpose', () => {
    expect(institutionReport('hosp-a', lines, [], noCases, new Map()).flows).toEqual([
      { direction: 'given', partner: 'hosp-a', purpose: 'TREAT', disclosures: 1, records: 4 },
      { direction: 'given', partner: 'hosp-b', purpose: 'TREAT', disclosures: 2, records: 3 },
      { direction: 'received', partner: 'hosp-b', purpose: 'ETREAT', disclosures: 1, records: 3 },
      { direction: 'received', partner: 'hosp-c', purpose: 'ETREAT', disclosures: 1, records: 3 },
    ]);
  });

  it("lists its own staff's break-glass uses only", () => {
    expect(institutionReport('hosp-a', lines, [], noCases, new Map()).breakGlass.map((use) => use.decisionId)).toEqual(['d-3']);
    expect(institutionReport('hosp-b', lines, [], noCases, new Map()).breakGlass).toEqual([]);
  });

  it('gives each break-glass use the outcome of its review case, and no-case while none holds it', () => {
    const both = [...lines, line(5, 'hosp-a', ['hosp-b'], 'ETREAT', true)];
    const reviews = new Map([['d-3', { caseId: 'case-3', state: 'closed-justified' as const, escalated: false }]]);
    const cases = { opened: 2, closed: [{ outcome: 'closed-justified' as const, count: 1 }] };
    const report = institutionReport('hosp-a', both, [], cases, reviews);
    expect(report.breakGlass.map(({ decisionId, review, caseId }) => [decisionId, review, caseId])).toEqual([
      ['d-3', 'closed-justified', 'case-3'],
      ['d-5', 'no-case', null],
    ]);
    expect(report.cases).toEqual(cases);
  });
});
