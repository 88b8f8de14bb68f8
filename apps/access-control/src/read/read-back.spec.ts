// The read-back rule and the date search it answers.
import { dateMatcher, readBackVerdict } from './read-back';

describe('readBackVerdict', () => {
  it.each<[string, { institution: string; practitioner?: string }, unknown, boolean]>([
    ["the institution's system token with HOPERAT reads back", { institution: 'hosp-a' }, 'HOPERAT', true],
    ['another purpose is refused', { institution: 'hosp-a' }, 'TREAT', false],
    ['no purpose is refused', { institution: 'hosp-a' }, undefined, false],
    ['a practitioner (even an admin) is refused', { institution: 'hosp-a', practitioner: 'pr-1' }, 'HOPERAT', false],
  ])('%s', (_case, requester, purpose, permitted) => {
    expect(readBackVerdict(requester, purpose).permitted).toBe(permitted);
  });
});

describe('dateMatcher', () => {
  const observation = (effectiveDateTime: string) => ({ resourceType: 'Observation', effectiveDateTime });
  it.each<[string, string[], string, boolean]>([
    ['a day covers its instants', ['2024-03-10'], '2024-03-10T09:00:00Z', true],
    ['ge a month', ['ge2024-03'], '2024-03-01T00:00:00Z', true],
    ['lt a month', ['lt2024-03'], '2024-03-01T00:00:00Z', false],
    ['le a year covers its end', ['le2024'], '2024-12-31T23:00:00Z', true],
    ['gt a day starts after it', ['gt2024-03-10'], '2024-03-10T23:59:00Z', false],
    ['two values are ANDed', ['ge2024-01-01', 'lt2024-02-01'], '2024-03-10T09:00:00Z', false],
  ])('%s', (_case, values, date, expected) => {
    expect(dateMatcher(values)?.(observation(date))).toBe(expected);
  });

  it('refuses a malformed value and matches no undated record', () => {
    expect(dateMatcher(['yesterday'])).toBeUndefined();
    expect(dateMatcher(['ge2024'])?.({ resourceType: 'Organization' })).toBe(false);
  });
});
