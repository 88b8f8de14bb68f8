import { NATIONAL_ID_SYSTEM, generatePopulation, mrnSystem, patientBundle } from '@medshare/synthetic';
import { institutionKeyOwner } from '@medshare/crypto';
import { loadFhirDefinitions, type FhirResource } from '@medshare/fhir';
import { IngestionError, IngestionErrorCode } from './ingestion-error';
import { InstitutionNamespace } from './institution-namespace';
import { planIntake, type IntakeRules } from './intake-plan';
import { checkSubmission } from './submission-check';
import { resolvePatients } from './patient-resolution';

const pseudonymKey = { secret: Buffer.alloc(32, 7), sharedSystems: new Set([NATIONAL_ID_SYSTEM]) };
const rules = (institution: string): IntakeRules => ({
  institution,
  namespace: new InstitutionNamespace(['hosp-a', 'hosp-b'], 'https://{institution}.medshare.example/'),
  pseudonymKey,
});
const population = generatePopulation({
  seed: 'intake-plan',
  patientsPerInstitution: 2,
  institutions: [
    { id: 'hosp-a', name: 'A' },
    { id: 'hosp-b', name: 'B' },
  ],
});
const recordA = population.patients.find((patient) => patient.institutionId === 'hosp-a')!;
const bundleA = patientBundle(recordA);
const observation = recordA.resources.find((resource) => resource.resourceType === 'Observation')!;
const withSubject = (subject: unknown): FhirResource => ({ ...observation, subject, encounter: undefined });

/** What the service does with a body: checkSubmission (in its validation thread), then planIntake. */
function refusal(body: unknown, institution = 'hosp-a', maxEntries = 1000): IngestionError {
  const verdict = checkSubmission(Buffer.from(JSON.stringify(body)), maxEntries);
  if (!verdict.ok) return new IngestionError(verdict.code, verdict.issues);
  try {
    planIntake(body, rules(institution));
  } catch (error) {
    if (error instanceof IngestionError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

beforeAll(() => loadFhirDefinitions());

describe('checkSubmission and planIntake', () => {
  it('accepts a transaction bundle and names every entry by the shared id first', () => {
    const plan = planIntake(bundleA, rules('hosp-a'));
    expect(plan.entries).toHaveLength(bundleA.entry!.length);
    const resolution = resolvePatients(plan.entries, new Map());
    expect(resolution.ok && new Set(resolution.patients).size).toBe(1);
    expect(plan.entries.every((entry) => entry.candidates[0].kind === 'shared')).toBe(true);
  });

  it.each([
    ['a non-object body is malformed (400)', [1, 2], IngestionErrorCode.MalformedBody],
    ['invalid FHIR is unprocessable (422)', { ...recordA.patient, gender: 'Female' }, IngestionErrorCode.InvalidResource],
    ['a record whose subject names nobody usable is unprocessable (422)', withSubject({ display: 'someone' }), IngestionErrorCode.InvalidResource],
    ['a collection bundle is unprocessable (422)', { ...bundleA, type: 'collection' }, IngestionErrorCode.InvalidResource],
    [
      "another institution's patient is forbidden (403)",
      patientBundle(population.patients.find((patient) => patient.institutionId === 'hosp-b')!),
      IngestionErrorCode.ForeignInstitution,
    ],
    [
      "a subject identified by another institution's MRN is forbidden (403)",
      withSubject({ identifier: { system: mrnSystem('hosp-b'), value: 'HOSP-B-1' } }),
      IngestionErrorCode.ForeignInstitution,
    ],
  ])('%s', (_name, body, code) => {
    expect(refusal(body).code).toBe(code);
  });

  it.each([
    ['cut-off JSON', '{"resourceType":"Patient"'],
    ['a raw NUL byte after the JSON', '{"resourceType":"Patient"}\u0000'],
    ['a raw NUL byte inside a string (JSON allows it only escaped)', '{"resourceType":"Patient","a\u0000":1}'],
  ])('a body that is not JSON is malformed (400): %s', (_name, text) => {
    const verdict = checkSubmission(Buffer.from(text), 1000);
    expect(verdict.ok || verdict.code).toBe(IngestionErrorCode.MalformedBody);
  });

  it('files records about no patient (reference resources) under the institution, never under a patient', () => {
    const organization: FhirResource = { resourceType: 'Organization', id: 'org-1', name: 'Ward 3' };
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        ...bundleA.entry!,
        { resource: organization, request: { method: 'POST', url: 'Organization' } },
        { resource: withSubject(undefined), request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const plan = planIntake(bundle, rules('hosp-a'));
    const resolution = resolvePatients(plan.entries, new Map());
    if (!resolution.ok) throw resolution.error;
    const owner = institutionKeyOwner(rules('hosp-a').pseudonymKey, 'hosp-a');
    expect(resolution.patients.slice(-2)).toEqual([owner, owner]);
    expect(resolution.patients.slice(0, -2)).not.toContain(owner);
    expect([...resolution.newLinks.values()]).not.toContain(owner);
  });

  it('refuses a bundle with more entries than allowed as too large (413)', () => {
    expect(refusal(bundleA, 'hosp-a', 2).code).toBe(IngestionErrorCode.TooLarge);
  });

  it('locates per-entry issues in a bundle', () => {
    const bad = structuredClone(bundleA);
    (bad.entry![2].resource as FhirResource).status = 'not-a-status';
    const error = refusal(bad);
    expect(error.issues.some((issue) => issue.expression?.[0]?.startsWith('Bundle.entry[2]'))).toBe(true);
  });
});

describe('resolvePatients', () => {
  const national = withSubject({ identifier: { system: NATIONAL_ID_SYSTEM, value: recordA.nationalId } });
  const mrnOnly = withSubject({ identifier: { system: mrnSystem('hosp-a'), value: recordA.mrn } });
  const bare = withSubject({ reference: `Patient/${recordA.patient.id as string}` });

  it.each([
    ['an MRN-only record joins the patient linked by an earlier bundle', mrnOnly],
    ['a national-id-only record joins the same patient', national],
    ['a bare Patient/<id> joins the patient once its Patient was seen', bare],
  ])('%s', (_name, record) => {
    const first = resolvePatients(planIntake(bundleA, rules('hosp-a')).entries, new Map());
    if (!first.ok) throw first.error;
    const later = resolvePatients(planIntake(record, rules('hosp-a')).entries, first.newLinks);
    expect(later.ok && later.patients).toEqual([first.patients[0]]);
  });

  describe('a bundle is order-free: a record naming its patient only as Patient/<id> may come before that Patient', () => {
    const composition: FhirResource = {
      resourceType: 'Composition',
      status: 'final',
      type: { coding: [{ system: 'http://loinc.org', code: '18842-5' }] },
      subject: { reference: `Patient/${recordA.patient.id as string}` },
      date: '2024-03-01',
      author: [{ reference: 'Organization/hosp-a' }],
      title: 'Discharge summary',
    };
    const transaction = (...resources: FhirResource[]) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } })),
    });

    it.each([
      ['Patient first', [recordA.patient, composition]],
      ['Composition first', [composition, recordA.patient]],
    ])('%s: both entries land under the Patient', (_name, resources) => {
      const resolution = resolvePatients(planIntake(transaction(...resources), rules('hosp-a')).entries, new Map());
      if (!resolution.ok) throw resolution.error;
      expect(new Set(resolution.patients).size).toBe(1);
      const patientFirst = resolvePatients(planIntake(transaction(recordA.patient, composition), rules('hosp-a')).entries, new Map());
      expect(patientFirst.ok && patientFirst.patients[0]).toBe(resolution.patients[0]);
    });
  });

  it('refuses a bare Patient/<id> nobody has linked yet', () => {
    const resolution = resolvePatients(planIntake(bare, rules('hosp-a')).entries, new Map());
    expect(resolution.ok).toBe(false);
  });
});
