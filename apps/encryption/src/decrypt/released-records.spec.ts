import { envelope, type EventOf } from '@medshare/contracts';
import { CryptoErrorCode, generateDek } from '@medshare/crypto';
import type { StoredRecord } from '../records/encrypted-record.repository';
import { encryptGroup } from '../records/record-encryption';
import { openReleasedRecords } from './released-records';

const PATIENT = 'p-abcdefghijklmnop234567';
const dek = generateDek();
const patientResource = {
  resourceType: 'Patient',
  id: 'pat-1',
  identifier: [{ system: 'https://hosp-a.medshare.example/mrn', value: 'MRN-SYNTH-1' }],
  name: [{ family: 'Synthetic', given: ['Testperson'] }],
  telecom: [{ system: 'phone', value: '+00 000 0000' }],
  gender: 'female',
  birthDate: '1970-01-01',
};
const observation = {
  resourceType: 'Observation',
  id: 'obs-1',
  status: 'final',
  code: { text: 'heart rate' },
  subject: { reference: 'Patient/pat-1', display: 'Testperson Synthetic' },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Testperson Synthetic: 72/min</div>' },
};

const sealedEvent = envelope(
  'ingest.sealed.v1',
  'hosp-a',
  {
    institution: 'hosp-a',
    patient: PATIENT,
    requestId: 'req-1',
    records: [
      { recordId: 'rec-1', resourceType: 'Patient' },
      { recordId: 'rec-2', resourceType: 'Observation' },
    ],
    sealed: {
      suite: 'X25519-HKDF-SHA256/AES-256-GCM' as const,
      keyId: '0123456789abcdef',
      enc: Buffer.alloc(32).toString('base64'),
      ciphertext: Buffer.alloc(32).toString('base64'),
    },
  },
  { subject: PATIENT },
) as EventOf<'ingest.sealed.v1'>;
const rows: StoredRecord[] = encryptGroup(
  {
    sealedEvent,
    records: [
      { recordId: 'rec-1', resourceType: 'Patient', resource: patientResource },
      { recordId: 'rec-2', resourceType: 'Observation', resource: observation },
    ],
  },
  { dek, dekId: `${PATIENT}.1`, dekVersion: 1 },
  'encryption',
).map((event) => ({ ...event.data, eventId: event.id }));

describe('records a permit releases', () => {
  it.each<[string, { deIdentify?: boolean }, unknown[]]>([
    ['a treatment permit releases the records as submitted, in row order', {}, [patientResource, observation]],
    ['a permit that says deIdentify: false releases them as submitted', { deIdentify: false }, [patientResource, observation]],
    [
      'a de-identifying permit strips names, identifiers, contact details, narrative and reference displays',
      { deIdentify: true },
      [
        { resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1970-01-01' },
        { resourceType: 'Observation', id: 'obs-1', status: 'final', code: { text: 'heart rate' }, subject: { reference: 'Patient/pat-1' } },
      ],
    ],
  ])('%s', (_case, permit, expected) => {
    expect(openReleasedRecords(permit, dek, rows)).toEqual(expected);
  });

  it('releases nothing when the permit matched no rows', () => {
    expect(openReleasedRecords({}, dek, [])).toEqual([]);
  });

  it.each<[string, StoredRecord[], Buffer]>([
    ['a ciphertext moved onto the other row', [{ ...rows[1], iv: rows[0].iv, ciphertext: rows[0].ciphertext, tag: rows[0].tag }], dek],
    ['a row stored under another patient', [{ ...rows[0], patient: 'p-qrstuvwxyzabcdef234567' }], dek],
    ['the right rows under another DEK (a shredded and re-keyed patient)', rows, generateDek()],
  ])('refuses the whole answer for %s', (_case, candidates, key) => {
    expect(() => openReleasedRecords({}, key, candidates)).toThrow(expect.objectContaining({ code: CryptoErrorCode.RecordRejected }));
  });
});
