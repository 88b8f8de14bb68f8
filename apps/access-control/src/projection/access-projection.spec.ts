// Given events in some order and from some source, the projection holds the newest state of each id.
import { envelope, type EventData, type MedshareEvent } from '@medshare/contracts';
import { AccessProjection, type EventSource } from './access-projection';

const PATIENT = 'p-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER_PATIENT = 'p-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

function consentEvent(id: string, status: string, { institution = 'hosp-a', patient = PATIENT } = {}): MedshareEvent {
  return envelope(
    'consent.recorded.v1',
    institution,
    {
      institution,
      patient,
      consentId: id,
      consent: {
        resourceType: 'Consent',
        id,
        status,
        scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
        patient: { reference: `Patient/${patient}` },
        policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      },
    },
    { subject: patient },
  );
}
const roleEvent = (practitioner: string, role: EventData<'grants.role-registered.v1'>['role'], institution = 'hosp-a') =>
  envelope('grants.role-registered.v1', institution, { institution, practitioner, role });
const agreementEvent = (id: string, holder: string, status = 'active') =>
  envelope('grants.agreement-recorded.v1', holder, {
    agreementId: id,
    agreement: { id, holder, reader: 'hosp-b', purposes: ['TREAT'], period: { start: '2024-01-01', end: '2030-12-31' }, status },
  });
const recordEvent = (institution: string, resourceType: string, patient = PATIENT) =>
  envelope(
    'records.encrypted.v1',
    'encryption',
    {
      recordId: `${institution}-${resourceType}-${Math.random()}`,
      institution,
      patient,
      resourceType,
      eventTime: '2025-01-01T00:00:00Z',
      contentHash: '0'.repeat(64),
      dekId: 'dek-1',
      iv: 'AAAA',
      ciphertext: 'AAAA',
      tag: 'AAAA',
    },
    { subject: patient },
  );

const MRN = 'p-mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm';
const linkEvent = (identifier: string, patient: string) =>
  envelope('identity.linked.v1', 'hosp-a', { institution: 'hosp-a', links: [{ identifier, patient }] }, { subject: 'hosp-a' });

const at = (offset: number, topic = 'medshare.consent.v1', partition = 0): EventSource => ({ kind: 'topic', topic, partition, offset: BigInt(offset) });
const local: EventSource = { kind: 'local' };

const active = consentEvent('c-1', 'active');
const revoked = consentEvent('c-1', 'inactive');

describe('AccessProjection', () => {
  it.each<[string, [MedshareEvent, EventSource][], number]>([
    [
      'a newer revocation replaces the consent',
      [
        [active, at(1)],
        [revoked, at(2)],
      ],
      0,
    ],
    [
      'a replayed older version never undoes a newer one',
      [
        [revoked, at(2)],
        [active, at(1)],
      ],
      0,
    ],
    [
      'a local write applies at once (read-your-writes)',
      [
        [active, at(1)],
        [revoked, local],
      ],
      0,
    ],
    [
      'older topic events of a key wait behind a pending local write',
      [
        [revoked, local],
        [active, at(1)],
      ],
      0,
    ],
    [
      'the topic copy of a local write confirms it, and later events apply again',
      [
        [revoked, local],
        [revoked, at(2)],
        [active, at(3)],
      ],
      1,
    ],
    [
      'a local write the topic already delivered changes nothing',
      [
        [revoked, at(2)],
        [active, at(3)],
        [revoked, local],
      ],
      1,
    ],
  ])('%s', (_name, steps, decisive) => {
    const projection = new AccessProjection('encryption');
    for (const [event, source] of steps) projection.apply(event, source);
    expect(projection.consents.decisiveFor(PATIENT)).toHaveLength(decisive);
  });

  it('keeps a consent id with its first institution and patient', () => {
    const projection = new AccessProjection('encryption');
    projection.apply(active, at(1));
    expect(projection.apply(consentEvent('c-1', 'inactive', { institution: 'hosp-b' }), at(2))).toBe('conflict');
    expect(projection.apply(consentEvent('c-1', 'inactive', { patient: OTHER_PATIENT }), at(3))).toBe('conflict');
    expect(projection.consents.decisiveFor(PATIENT)).toHaveLength(1);
  });

  it('keeps a practitioner with the institution that registered it, and lets that institution change the role', () => {
    const projection = new AccessProjection('encryption');
    projection.apply(roleEvent('dr-1', 'physician'), at(1, 'medshare.grants.v1'));
    expect(projection.apply(roleEvent('dr-1', 'physician', 'hosp-b'), at(2, 'medshare.grants.v1'))).toBe('conflict');
    expect(projection.apply(roleEvent('dr-1', 'nurse'), at(3, 'medshare.grants.v1'))).toBe('applied');
    expect(projection.practitioners.get('dr-1')).toEqual({ institution: 'hosp-a', role: 'nurse' });
  });

  it('applies an agreement revocation and refuses its id to another holder', () => {
    const projection = new AccessProjection('encryption');
    const now = Date.parse('2025-06-01T00:00:00Z');
    projection.apply(agreementEvent('ag-1', 'hosp-a'), at(1, 'medshare.grants.v1'));
    expect(projection.agreements.allows('hosp-a', 'hosp-b', 'TREAT', now)).toBe(true);
    expect(projection.apply(agreementEvent('ag-1', 'hosp-c'), at(2, 'medshare.grants.v1'))).toBe('conflict');
    projection.apply(agreementEvent('ag-1', 'hosp-a', 'revoked'), at(3, 'medshare.grants.v1'));
    expect(projection.agreements.allows('hosp-a', 'hosp-b', 'TREAT', now)).toBe(false);
  });

  it('knows which institutions hold which resource types of a patient', () => {
    const projection = new AccessProjection('encryption');
    for (const event of [
      recordEvent('hosp-a', 'Observation'),
      recordEvent('hosp-a', 'Condition'),
      recordEvent('hosp-c', 'Observation'),
      recordEvent('hosp-b', 'Encounter', OTHER_PATIENT),
    ]) {
      projection.apply(event, at(0, 'medshare.records.encrypted.v1'));
    }
    expect(projection.holdersOf(PATIENT)).toEqual(['hosp-a', 'hosp-c']);
    expect(projection.resourceTypesHeld(PATIENT, ['hosp-a'])).toEqual(['Condition', 'Observation']);
    expect(projection.resourceTypesHeld(PATIENT, ['hosp-c'])).toEqual(['Observation']);
  });

  it.each<[string, MedshareEvent[], string, string]>([
    ['an identifier without a link names the patient of its own pseudonym', [], MRN, MRN],
    ['a linked identifier names the patient its records are filed under', [linkEvent(MRN, PATIENT)], MRN, PATIENT],
    ['a link never changes once applied (first link stands)', [linkEvent(MRN, PATIENT), linkEvent(MRN, OTHER_PATIENT)], MRN, PATIENT],
    ['a link of another identifier leaves this one alone', [linkEvent(OTHER_PATIENT, PATIENT)], MRN, MRN],
  ])('%s', (_name, events, identifier, expected) => {
    const projection = new AccessProjection('encryption');
    for (const [offset, event] of events.entries()) expect(projection.apply(event, at(offset, 'medshare.identity.v1'))).toBe('applied');
    expect(projection.patientOf(identifier)).toBe(expected);
  });

  it('reports a consent that no longer passes intake as invalid and leaves state alone', () => {
    const projection = new AccessProjection('encryption');
    const broken = consentEvent('c-2', 'Active');
    expect(projection.apply(broken, at(1))).toBe('invalid');
    expect(projection.consentCount).toBe(0);
  });
});
