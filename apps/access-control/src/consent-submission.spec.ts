// How a submitted Consent names its patient, and what reaches Kafka instead of the identifier.
import { pseudonymise, type PseudonymKey } from '@medshare/crypto';
import { AccessControlError } from './access-control-error';
import { withPseudonymousPatient } from './consent-submission';
import { parsePatientToken } from './patient-token';

const NATIONAL = 'https://id.medshare.example/national-health-id';
const MRN = 'https://hosp-a.example/mrn';
const key: PseudonymKey = { secret: Buffer.alloc(32, 7), sharedSystems: new Set([NATIONAL]) };
const consent = (patient: unknown) => ({ resourceType: 'Consent', id: 'c-1', patient });
const unlinked = (identifier: string) => identifier;

describe('withPseudonymousPatient', () => {
  it('replaces an identifier by the pseudonym ingestion gives it, scoped to the submitter for local systems', () => {
    const { consent: recorded, patient } = withPseudonymousPatient(consent({ identifier: { system: MRN, value: 'MRN-1' } }), 'hosp-a', key, unlinked);
    expect(patient).toBe(pseudonymise(key, MRN, 'MRN-1', 'hosp-a'));
    expect(recorded['patient']).toEqual({ reference: `Patient/${patient}` });
    expect(JSON.stringify(recorded)).not.toContain('MRN-1');
  });

  it('records a consent named by MRN under the patient ingestion linked that MRN to', () => {
    const nationalPseudonym = pseudonymise(key, NATIONAL, 'N-1', 'hosp-a');
    const linkedToNational = (identifier: string) => (identifier === pseudonymise(key, MRN, 'MRN-1', 'hosp-a') ? nationalPseudonym : identifier);
    const { consent: recorded, patient } = withPseudonymousPatient(consent({ identifier: { system: MRN, value: 'MRN-1' } }), 'hosp-a', key, linkedToNational);
    expect(patient).toBe(nationalPseudonym);
    expect(recorded['patient']).toEqual({ reference: `Patient/${nationalPseudonym}` });
  });

  it('links a shared identifier across institutions', () => {
    const a = withPseudonymousPatient(consent({ identifier: { system: NATIONAL, value: 'N-1' } }), 'hosp-a', key, unlinked).patient;
    const b = withPseudonymousPatient(consent({ identifier: { system: NATIONAL, value: 'N-1' } }), 'hosp-b', key, unlinked).patient;
    expect(a).toBe(b);
  });

  it('keeps a reference to a medshare pseudonym as it is', () => {
    const pseudonym = pseudonymise(key, NATIONAL, 'N-2', 'hosp-a');
    expect(withPseudonymousPatient(consent({ reference: `Patient/${pseudonym}` }), 'hosp-a', key, unlinked).patient).toBe(pseudonym);
  });

  it.each([
    ['a local literal reference', { reference: 'Patient/123' }],
    ['an identifier without system', { identifier: { value: 'MRN-1' } }],
    ['an identifier with a relative system', { identifier: { system: 'mrn', value: 'MRN-1' } }],
    ['an identifier with extra elements', { identifier: { system: MRN, value: 'MRN-1', use: 'official' } }],
    ['a reference with a display (could carry a name)', { reference: 'Patient/p-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', display: 'Jane' }],
    ['a blank value', { identifier: { system: MRN, value: ' ' } }],
    ['no patient', undefined],
  ])('refuses %s', (_name, patient) => {
    expect(() => withPseudonymousPatient(consent(patient), 'hosp-a', key, unlinked)).toThrow(AccessControlError);
  });
});

describe('parsePatientToken', () => {
  it.each([
    ['system|value', `${MRN}|MRN-1`, { system: MRN, value: 'MRN-1' }],
    ['a value with a bar in it', `${MRN}|A|B`, { system: MRN, value: 'A|B' }],
    ['no system', '|MRN-1', null],
    ['no bar', 'MRN-1', null],
    ['no value', `${MRN}|`, null],
    ['a relative system', 'mrn|MRN-1', null],
  ])('%s', (_name, text, expected) => {
    if (expected === null) expect(() => parsePatientToken(text, 'patientRef')).toThrow(AccessControlError);
    else expect(parsePatientToken(text, 'patientRef')).toEqual(expected);
  });
});
