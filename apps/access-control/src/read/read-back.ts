// The read-back rule and the FHIR search filters it answers. Pure.
//
// The submitting institution's own integration system (its system token, purpose HOPERAT) may read what that
// institution itself submitted without patient consent: it already holds that data. Nobody else gains anything from
// this rule: a practitioner's token, another purpose, or another institution's records fall to the consent path.
import { clinicalDateOf, type FhirResource } from '@medshare/fhir';
import type { Requester } from '../auth/requester-authenticator';

export const READ_BACK_RULE = 'read-back: the submitting institution reads its own submissions (system token, HOPERAT)';

export type ReadBackVerdict = { permitted: true } | { permitted: false; reason: string };

export function readBackVerdict(requester: Requester, purpose: unknown): ReadBackVerdict {
  if (requester.practitioner !== undefined)
    return { permitted: false, reason: "read-back is for the institution's integration system (a system token), not a practitioner" };
  if (purpose !== 'HOPERAT') return { permitted: false, reason: 'read-back of own submissions is for the purpose HOPERAT' };
  return { permitted: true };
}

const DATE_PARAM = /^(eq|ne|lt|gt|le|ge)?(\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?)$/;

/** FHIR `date` search values (`ge2024-01-01`, `lt2024-03`...), ANDed; undefined when one is malformed. */
export function dateMatcher(values: readonly string[]): ((resource: FhirResource) => boolean) | undefined {
  const tests: ((date: string) => boolean)[] = [];
  for (const value of values) {
    const match = DATE_PARAM.exec(value);
    if (match === null) return undefined;
    const [start, end] = periodOf(match[2]);
    switch (match[1] ?? 'eq') {
      case 'eq':
        tests.push((date) => date >= start && date < end);
        break;
      case 'ne':
        tests.push((date) => date < start || date >= end);
        break;
      case 'lt':
        tests.push((date) => date < start);
        break;
      case 'le':
        tests.push((date) => date < end);
        break;
      case 'gt':
        tests.push((date) => date >= end);
        break;
      case 'ge':
        tests.push((date) => date >= start);
        break;
    }
  }
  return (resource) => {
    if (tests.length === 0) return true;
    // A record without a clinical date matches no date search.
    const date = clinicalDateOf(resource);
    if (date === undefined) return false;
    const instant = new Date(date).toISOString();
    return tests.every((test) => test(instant));
  };
}

/** The instants [start, end) a partial date covers, in UTC. */
function periodOf(text: string): [string, string] {
  if (text.includes('T')) {
    const instant = new Date(text).toISOString();
    return [instant, new Date(Date.parse(instant) + 1000).toISOString()];
  }
  const [year, month, day] = text.split('-').map(Number);
  const start = Date.UTC(year, (month ?? 1) - 1, day ?? 1);
  const end = day !== undefined ? Date.UTC(year, month - 1, day + 1) : month !== undefined ? Date.UTC(year, month, 1) : Date.UTC(year + 1, 0, 1);
  return [new Date(start).toISOString(), new Date(end).toISOString()];
}
