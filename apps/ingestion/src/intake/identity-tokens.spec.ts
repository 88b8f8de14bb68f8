import { TOKEN_DOMAINS, keyedToken, practitionerPseudonym, pseudonymise } from '@medshare/crypto';
import type { EventOf } from '@medshare/contracts';
import { validateEvent } from '@medshare/contracts';
import type { FhirResource } from '@medshare/fhir';
import { identityTokenEvents, sharedIdentifierPseudonyms } from './identity-tokens';

const NATIONAL = 'https://id.example/national-health-id';
const key = { secret: Buffer.alloc(32, 3), sharedSystems: new Set([NATIONAL]) };
const PATIENT = 'p-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const family = (value: string) => keyedToken(key, TOKEN_DOMAINS.familyName, value);
const address = (value: string) => keyedToken(key, TOKEN_DOMAINS.address, value);

const patient: FhirResource = {
  resourceType: 'Patient',
  meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'CELEB' }, { code: 'R' }, { code: 'SOMEFREETEXT' }] },
  name: [{ family: 'Öztürk', given: ['Ann'] }, { family: 'ÖZTÜRK' }, { use: 'maiden', family: 'Smith-Jones' }, { text: 'Ann Öztürk' }],
  address: [
    { use: 'home', line: ['1 Main St.', 'Flat 2'], city: 'Springfield', postalCode: 'AB1 2CD' },
    { use: 'work', line: ['Hospital Road 1'], city: 'Springfield' },
    { city: 'Springfield' },
  ],
};
const practitioner = (extra: Partial<FhirResource> = {}): FhirResource => ({
  resourceType: 'Practitioner',
  name: [{ family: 'öZTÜRK ' }],
  address: [{ line: ['1 main st', 'flat 2'], city: 'SPRINGFIELD', postalCode: 'ab1 2cd' }],
  ...extra,
});

describe('identity tokens from written resources', () => {
  it('tokenises a Patient: one token per distinct family name, home addresses only, known privacy labels only', () => {
    const [event] = identityTokenEvents('hosp-a', key, [{ resource: patient, keyOwner: PATIENT }], new Map()) as EventOf<'identity.patient-tokens.v1'>[];
    expect(validateEvent(event).ok).toBe(true);
    expect(event.subject).toBe(PATIENT);
    expect(event.data).toEqual({
      institution: 'hosp-a',
      patient: PATIENT,
      familyName: [family('öztürk'), family('smith jones')],
      address: [address('1 main st flat 2 springfield ab1 2cd')],
      securityLabels: ['CELEB'],
    });
  });

  it("gives a Practitioner the same tokens for the same name and address, named by access control's pr- of its id", () => {
    const [patientEvent, practitionerEvent] = identityTokenEvents(
      'hosp-a',
      key,
      [
        { resource: patient, keyOwner: PATIENT },
        { resource: practitioner(), keyOwner: 'p-institutionkeyowner', clientId: 'dr-a' },
      ],
      new Map(),
    ) as [EventOf<'identity.patient-tokens.v1'>, EventOf<'identity.practitioner-tokens.v1'>];
    expect(validateEvent(practitionerEvent).ok).toBe(true);
    expect(practitionerEvent.data.practitioner).toBe(practitionerPseudonym(key, 'dr-a'));
    expect(practitionerEvent.data.familyName[0]).toBe(patientEvent.data.familyName[0]);
    expect(practitionerEvent.data.address).toEqual(patientEvent.data.address);
    expect(practitionerEvent.data.patient).toBeUndefined();
  });

  it.each<[string, ReadonlyMap<string, string>, (shared: string) => string]>([
    ['a shared identifier filed under a patient names that patient', new Map([[sharedOf('123'), PATIENT]]), () => PATIENT],
    ['a shared identifier not seen yet names the patient it would found', new Map(), (shared) => shared],
  ])("a Practitioner's own patient: %s", (_case, links, expected) => {
    const resource = practitioner({
      identifier: [
        { system: NATIONAL, value: '123' },
        { system: 'https://hosp-a.example/staff', value: 'S1' },
      ],
    });
    const [event] = identityTokenEvents(
      'hosp-a',
      key,
      [{ resource, keyOwner: 'p-x', clientId: 'dr-a' }],
      links,
    ) as EventOf<'identity.practitioner-tokens.v1'>[];
    expect(event.data.patient).toBe(expected(sharedOf('123')));
  });

  it('only shared systems can make a practitioner a patient (a staff number is not an MRN)', () => {
    const resource = practitioner({ identifier: [{ system: 'https://hosp-a.example/staff', value: 'S1' }] });
    expect(sharedIdentifierPseudonyms(key, 'hosp-a', resource)).toEqual([]);
  });

  it('leaves out a Practitioner without an id (no token names it) and resources of other types', () => {
    const events = identityTokenEvents(
      'hosp-a',
      key,
      [
        { resource: practitioner(), keyOwner: 'p-x' },
        { resource: { resourceType: 'Organization', name: 'Smith clinic' }, keyOwner: 'p-x', clientId: 'org-1' },
      ],
      new Map(),
    );
    expect(events).toEqual([]);
  });

  it('carries no name, address or free-text label in the clear', () => {
    const events = identityTokenEvents(
      'hosp-a',
      key,
      [
        { resource: patient, keyOwner: PATIENT },
        { resource: practitioner(), keyOwner: 'p-x', clientId: 'dr-a' },
      ],
      new Map(),
    );
    const text = JSON.stringify(events).toLowerCase();
    for (const plain of ['öztürk', 'smith', 'main st', 'springfield', 'ab1', 'somefreetext', 'dr-a']) expect(text).not.toContain(plain);
  });
});

function sharedOf(value: string): string {
  return pseudonymise(key, NATIONAL, value, 'any-institution');
}
