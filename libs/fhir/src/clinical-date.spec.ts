import { clinicalDateOf } from './clinical-date';
import type { FhirResource } from './fhir-types';

describe('clinicalDateOf', () => {
  it.each<[string, FhirResource, string | undefined]>([
    [
      'Observation effectiveDateTime',
      { resourceType: 'Observation', effectiveDateTime: '2021-03-04T08:15:00Z', issued: '2021-03-05T00:00:00Z' },
      '2021-03-04T08:15:00Z',
    ],
    ['Observation effectivePeriod start', { resourceType: 'Observation', effectivePeriod: { start: '2021-03', end: '2021-04' } }, '2021-03'],
    ['DiagnosticReport falls back to issued', { resourceType: 'DiagnosticReport', issued: '2021-03-05T00:00:00Z' }, '2021-03-05T00:00:00Z'],
    ['Condition recordedDate before onset', { resourceType: 'Condition', onsetDateTime: '2019', recordedDate: '2020-01-02' }, '2020-01-02'],
    ['Condition onset when not recorded', { resourceType: 'Condition', onsetPeriod: { start: '2019-06' } }, '2019-06'],
    ['MedicationRequest authoredOn', { resourceType: 'MedicationRequest', authoredOn: '2022-02-02' }, '2022-02-02'],
    ['Procedure performedPeriod start', { resourceType: 'Procedure', performedPeriod: { start: '2022-05-01T10:00:00+02:00' } }, '2022-05-01T10:00:00+02:00'],
    ['Immunization occurrenceDateTime', { resourceType: 'Immunization', occurrenceDateTime: '2020-10-10' }, '2020-10-10'],
    ['Encounter period start', { resourceType: 'Encounter', period: { start: '2023-01-01T09:00:00Z' } }, '2023-01-01T09:00:00Z'],
    ['ImagingStudy started', { resourceType: 'ImagingStudy', started: '2023-02-02T11:00:00Z' }, '2023-02-02T11:00:00Z'],
    ['a period without start gives nothing', { resourceType: 'Encounter', period: { end: '2023-01-01' } }, undefined],
    ['Patient has no clinical date', { resourceType: 'Patient', birthDate: '1970-01-01' }, undefined],
  ])('%s', (_case, resource, expected) => {
    expect(clinicalDateOf(resource)).toBe(expected);
  });
});
