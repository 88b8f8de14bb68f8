import { securityLabelsOf, type FhirResource } from '@medshare/fhir';
import { INSTITUTIONS, mrnSystem } from './institutions';
import { generatePopulation } from './population';
import { NATIONAL_ID_SYSTEM } from './vocabulary';

type Codings = { coding?: { system?: string; code?: string }[] };

const population = generatePopulation({ seed: 2024, patientsPerInstitution: 12 });
const resources = population.patients.flatMap((record) => record.resources);
const ofType = (type: string): FhirResource[] => resources.filter((resource) => resource.resourceType === type);
const codes = (concept: unknown): string[] => ((concept as Codings | undefined)?.coding ?? []).map((coding) => `${coding.system}|${coding.code}`);
const hasCategory = (resource: FhirResource, code: string): boolean =>
  ((resource.category as Codings[] | undefined) ?? []).some((category) =>
    codes(category).includes(`http://terminology.hl7.org/CodeSystem/observation-category|${code}`),
  );

describe('generatePopulation', () => {
  it('is deterministic: the same seed gives identical JSON', () => {
    expect(JSON.stringify(generatePopulation({ seed: 2024, patientsPerInstitution: 12 }))).toBe(JSON.stringify(population));
  });

  it('differs for a different seed', () => {
    const other = generatePopulation({ seed: 2025, patientsPerInstitution: 12 });
    expect(JSON.stringify(other.patients)).not.toBe(JSON.stringify(population.patients));
    expect(other.patients[0].nationalId).not.toBe(population.patients[0].nationalId);
  });

  it('gives every institution its number of patients, each with its own MRN system and the national id', () => {
    for (const institution of INSTITUTIONS) {
      const records = population.patients.filter((record) => record.institutionId === institution.id);
      expect(records).toHaveLength(12);
      for (const record of records) {
        expect(record.patient.identifier).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ system: mrnSystem(institution.id), value: record.mrn }),
            expect.objectContaining({ system: NATIONAL_ID_SYSTEM, value: record.nationalId }),
          ]),
        );
      }
      expect(new Set(records.map((record) => record.mrn)).size).toBe(12);
    }
  });

  it('registers some people at two institutions under one national id, with different MRNs and Patient ids', () => {
    const byNationalId = new Map<string, typeof population.patients>();
    population.patients.forEach((record) => byNationalId.set(record.nationalId, [...(byNationalId.get(record.nationalId) ?? []), record]));
    const shared = [...byNationalId.values()].filter((records) => records.length > 1);
    expect(shared.length).toBe(3 * 3); // 25 % of 12 at each institution after the first
    for (const records of shared) {
      expect(records).toHaveLength(2);
      expect(new Set(records.map((record) => record.institutionId)).size).toBe(2);
      expect(new Set(records.map((record) => record.patient.id)).size).toBe(2);
      expect(new Set(records.map((record) => record.mrn)).size).toBe(2);
    }
  });

  it.each<[string, () => boolean]>([
    ['Encounters', () => ofType('Encounter').length >= population.patients.length],
    [
      'lab Observations with LOINC codes and UCUM quantities',
      () =>
        ofType('Observation').some(
          (o) =>
            hasCategory(o, 'laboratory') &&
            codes(o.code)[0].startsWith('http://loinc.org|') &&
            (o.valueQuantity as { system?: string } | undefined)?.system === 'http://unitsofmeasure.org',
        ),
    ],
    [
      'vital signs with the vital-signs category',
      () => ofType('Observation').some((o) => hasCategory(o, 'vital-signs') && codes(o.code).includes('http://loinc.org|85354-9')),
    ],
    [
      'Conditions coded in SNOMED CT and ICD-10',
      () =>
        ofType('Condition').some(
          (c) =>
            codes(c.code).some((code) => code.startsWith('http://snomed.info/sct|')) &&
            codes(c.code).some((code) => code.startsWith('http://hl7.org/fhir/sid/icd-10|')),
        ),
    ],
    [
      'DiagnosticReports whose results are Observations of the same record',
      () =>
        population.patients.some((record) =>
          record.resources.some(
            (r) =>
              r.resourceType === 'DiagnosticReport' &&
              (r.result as { reference: string }[]).every(({ reference }) =>
                record.resources.some((o) => o.resourceType === 'Observation' && `urn:uuid:${o.id}` === reference),
              ),
          ),
        ),
    ],
    ['ImagingStudies with a started time', () => ofType('ImagingStudy').some((study) => typeof study.started === 'string')],
    [
      'genetic variant assessments (LOINC 69548-6) with gene and variant components',
      () =>
        ofType('Observation').some(
          (o) =>
            codes(o.code).includes('http://loinc.org|69548-6') &&
            (o.component as { code: Codings }[]).some((c) => codes(c.code).includes('http://loinc.org|48018-6')),
        ),
    ],
    [
      'ResearchSubjects of a generated ResearchStudy',
      () =>
        ofType('ResearchSubject').some((s) =>
          population.researchStudies.some((study) => (s.study as { reference: string }).reference === `ResearchStudy/${study.id}`),
        ),
    ],
  ])('contains %s', (_case, present) => {
    expect(present()).toBe(true);
  });

  it.each(['R', 'PSY', 'HIV', 'SUD'])('labels some records %s', (label) => {
    const labelled = [...population.patients.map((record) => record.patient), ...resources].filter((resource) =>
      securityLabelsOf(resource).some((l) => l.code === label),
    );
    expect(labelled.length).toBeGreaterThan(0);
  });

  it('draws every date from the fixed calendar window, never from the clock', () => {
    const effective = ofType('Observation').map((o) => o.effectiveDateTime as string);
    expect(effective.every((date) => date >= '2016-01-01' && date < '2030-01-01')).toBe(true);
  });

  it('honours a custom institution list and sharing ratio', () => {
    const two = generatePopulation({ seed: 1, patientsPerInstitution: 4, institutions: INSTITUTIONS.slice(0, 2), sharedPatientRatio: 0.5 });
    expect(two.patients.map((record) => record.institutionId)).toEqual(['hosp-a', 'hosp-a', 'hosp-a', 'hosp-a', 'hosp-b', 'hosp-b', 'hosp-b', 'hosp-b']);
    expect(two.patients[4].nationalId).toBe(two.patients[0].nationalId);
    expect(two.patients[6].nationalId).not.toBe(two.patients[2].nationalId);
  });
});
