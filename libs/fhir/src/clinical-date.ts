// Picks a record's clinical date, the date consent dataPeriod provisions are matched against.
import type { FhirResource, Period } from './fhir-types';

// First present wins. Observation and DiagnosticReport put effective[x] before issued; Condition puts recordedDate
// before onset[x] because medshare's consent rules (docs/consent.md) name "recorded" as a clinical date.
const DATE_ELEMENTS = [
  'effectiveDateTime',
  'effectiveInstant',
  'effectivePeriod',
  'recordedDate',
  'authoredOn',
  'performedDateTime',
  'performedPeriod',
  'occurrenceDateTime',
  'occurrencePeriod',
  'period',
  'started',
  'onsetDateTime',
  'onsetPeriod',
  'issued',
] as const;

/** The record's clinical date as written (a FHIR date, dateTime or instant; a period gives its start), or undefined. */
export function clinicalDateOf(resource: FhirResource): string | undefined {
  for (const element of DATE_ELEMENTS) {
    const value = resource[element];
    if (typeof value === 'string') {
      return value;
    }
    if (typeof value === 'object' && value !== null && typeof (value as Period).start === 'string') {
      return (value as Period).start;
    }
  }
  return undefined;
}
