// Decision timing over synthetic consents, for `npm run bench`: decide + filterRecords per request.
import { AgreementIndex, parseAgreement } from './agreement';
import type { AccessRequest } from './access-request';
import { parseConsent } from './consent-intake';
import { ConsentIndex } from './consent-index';
import { decide, filterRecords, type RecordMeta, type RegisteredPractitioner } from './decision';
import { SYSTEM, type RequestPurpose } from './terminology';

export interface DecisionTimings {
  readonly consents: number;
  readonly decisions: number;
  readonly recordsPerDecision: number;
  /** How many of the timed decisions permitted, to show the workload is not all early denies. */
  readonly permits: number;
  /** Microseconds per decision (decide + filterRecords). */
  readonly p50Micros: number;
  readonly p99Micros: number;
  readonly maxMicros: number;
  /** Microseconds per consent at intake (validation + compilation). */
  readonly intakeMicrosPerConsent: number;
}

const INSTITUTIONS = ['hosp-a', 'hosp-b', 'hosp-c', 'hosp-d'];
const PURPOSES: RequestPurpose[] = ['TREAT', 'HPAYMT', 'HRESCH', 'PUBHLTH', 'HOPERAT'];

/** `consents` synthetic consents (two per patient, nested three deep), then `decisions` timed reads of 20 records. */
export function benchmarkDecisions(consents = 10_000, decisions = 20_000): DecisionTimings {
  const patients = Math.max(1, Math.floor(consents / 2));
  const index = new ConsentIndex();
  const intakeStart = process.hrtime.bigint();
  for (let i = 0; i < consents; i++) {
    const parsed = parseConsent(syntheticConsent(i, `pt-${i % patients}`));
    if (!parsed.ok) throw new Error(`synthetic consent ${i} was rejected: ${parsed.issues[0]?.diagnostics}`);
    index.put(parsed.consent);
  }
  const intakeMicros = Number(process.hrtime.bigint() - intakeStart) / 1000 / consents;

  const agreements = new AgreementIndex();
  for (const reader of INSTITUTIONS.slice(1)) {
    const parsed = parseAgreement({ id: `ag-${reader}`, holder: 'hosp-a', reader, purposes: PURPOSES, period: { start: '2024', end: '2030' }, status: 'active' });
    if (parsed.ok) agreements.put(parsed.agreement);
  }
  const practitioners = new Map<string, RegisteredPractitioner>(
    INSTITUTIONS.map((institution) => [`dr-${institution}`, { institution, role: 'physician' }]),
  );
  const state = { consents: index, agreements, practitioners };
  const records = syntheticRecords();

  const samples: number[] = [];
  let permits = 0;
  for (let i = 0; i < decisions; i++) {
    const institution = INSTITUTIONS[i % INSTITUTIONS.length]!;
    const request: AccessRequest = {
      requester: { institution, practitioner: `dr-${institution}`, role: 'physician' },
      patient: `pt-${(i * 7919) % patients}`,
      holders: ['hosp-a'],
      purpose: PURPOSES[i % PURPOSES.length]!,
      resourceTypes: ['Observation', 'Condition', 'MedicationRequest'],
      now: '2025-06-15T10:00:00Z',
    };
    const start = process.hrtime.bigint();
    const { context } = decide(request, state);
    if (filterRecords(context, records).decision.effect === 'permit') permits++;
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return {
    consents, decisions, recordsPerDecision: records.length, permits,
    p50Micros: at(0.5), p99Micros: at(0.99), maxMicros: samples[samples.length - 1]!, intakeMicrosPerConsent: intakeMicros,
  };
}

function syntheticConsent(i: number, patient: string): Record<string, unknown> {
  const reader = INSTITUTIONS[1 + (i % 3)]!;
  return {
    resourceType: 'Consent', id: `c-${i}`, status: 'active',
    scope: { coding: [{ system: SYSTEM.consentScope, code: 'patient-privacy' }] },
    category: [{ coding: [{ system: SYSTEM.loinc, code: '59284-0' }] }],
    patient: { reference: `Patient/${patient}` },
    policyRule: { coding: [{ system: SYSTEM.actCode, code: i % 2 === 0 ? 'OPTIN' : 'OPTOUT' }] },
    provision: {
      period: { start: '2024-01-01', end: '2027' },
      provision: [
        {
          type: i % 2 === 0 ? 'deny' : 'permit',
          actor: [{ reference: { reference: `Organization/${reader}` } }],
          purpose: [{ system: SYSTEM.actReason, code: 'TREAT' }, { system: SYSTEM.actReason, code: 'HPAYMT' }],
          provision: [
            { type: i % 2 === 0 ? 'permit' : 'deny', class: [{ system: SYSTEM.resourceTypes, code: 'Condition' }], dataPeriod: { start: '2022' } },
            { type: 'permit', securityLabel: [{ system: SYSTEM.actCode, code: 'SPI' }] },
          ],
        },
        { type: 'deny', class: [{ system: SYSTEM.resourceTypes, code: 'MedicationRequest' }], purpose: [{ system: SYSTEM.actReason, code: 'HRESCH' }] },
      ],
    },
  };
}

function syntheticRecords(): RecordMeta[] {
  const types = ['Observation', 'Condition', 'MedicationRequest', 'Encounter'];
  const labels = [[], [], [{ system: SYSTEM.actCode, code: 'PSY' }], [{ system: SYSTEM.confidentiality, code: 'R' }], []];
  return Array.from({ length: 20 }, (_, i) => ({
    recordId: `r-${i}`, holder: 'hosp-a', resourceType: types[i % types.length]!,
    securityLabels: labels[i % labels.length]!, clinicalDate: `20${20 + (i % 6)}-0${1 + (i % 9)}-15`,
  }));
}
