import { canonicalBytes, envelope, type EventOf, type SealedRecord } from '@medshare/contracts';
import { CryptoErrorCode, contentHash, decryptRecord, generateDek } from '@medshare/crypto';
import type { PatientKey } from '../keys/data-keys';
import type { StoredRecord } from './encrypted-record.repository';
import { encryptGroup, encryptOpenedGroups, matchesRecordList, storedRecordAad, type OpenedGroup } from './record-encryption';
import { encryptedRecordsOf } from './record-store.projector';

const PATIENT = 'p-abcdefghijklmnop234567';
const OTHER = 'p-qrstuvwxyzabcdef234567';
const observation = { resourceType: 'Observation', id: 'obs-1', status: 'final', code: { text: 'synthetic heart rate' } };
const condition = { resourceType: 'Condition', id: 'cond-1', code: { text: 'synthetic condition' } };

function group(patient: string, records: SealedRecord[]): OpenedGroup {
  const sealedEvent = envelope(
    'ingest.sealed.v1',
    'hosp-a',
    {
      institution: 'hosp-a',
      patient,
      requestId: 'req-1',
      records: records.map(({ recordId, resourceType }) => ({ recordId, resourceType })),
      sealed: {
        suite: 'X25519-HKDF-SHA256/AES-256-GCM' as const,
        keyId: '0123456789abcdef',
        enc: Buffer.alloc(32).toString('base64'),
        ciphertext: Buffer.alloc(32).toString('base64'),
      },
    },
    { subject: patient, time: new Date('2026-02-01T08:30:00.000Z') },
  ) as EventOf<'ingest.sealed.v1'>;
  return { sealedEvent, records };
}

const records: SealedRecord[] = [
  { recordId: 'rec-1', resourceType: 'Observation', resource: observation },
  { recordId: 'rec-2', resourceType: 'Condition', resource: condition },
];
const liveKey = (patient: string, dekVersion = 1): PatientKey & { kind: 'live' } => ({
  kind: 'live',
  patient,
  dekId: `${patient}.${dekVersion}`,
  dekVersion,
  dek: generateDek(),
});

/** The row the store projection writes for a records.encrypted event. */
function rowOf(event: EventOf<'records.encrypted.v1'>): StoredRecord {
  const { recordId, institution, patient, resourceType, eventTime, contentHash: hash, dekId, iv, ciphertext, tag } = event.data;
  return { recordId, institution, patient, resourceType, eventTime, contentHash: hash, dekId, iv, ciphertext, tag, eventId: event.id };
}

function open(row: StoredRecord, dek: Buffer): Buffer {
  return decryptRecord({
    dek,
    iv: Buffer.from(row.iv, 'base64'),
    ciphertext: Buffer.from(row.ciphertext, 'base64'),
    tag: Buffer.from(row.tag, 'base64'),
    aad: storedRecordAad(row),
  });
}

describe('matching what a box opened to against its event record list', () => {
  const listed = records.map(({ recordId, resourceType }) => ({ recordId, resourceType }));
  it.each<[string, unknown[], boolean]>([
    ['the same records in the same order match', records, true],
    ['the same records in another order do not (receipts name entries by position)', [records[1], records[0]], false],
    ['one record fewer does not', [records[0]], false],
    ['one record more does not', [...records, records[0]], false],
    ['a swapped record id does not', [{ ...records[0], recordId: 'rec-9' }, records[1]], false],
    ['a resource whose own type differs from the listed type does not', [{ ...records[0], resource: condition }, records[1]], false],
    ['a record without a resource does not', [{ recordId: 'rec-1', resourceType: 'Observation' }, records[1]], false],
    ['something that is not an object does not', ['rec-1', records[1]], false],
    ['null does not', [null, records[1]], false],
  ])('%s', (_case, opened, expected) => {
    expect(matchesRecordList(opened, listed)).toBe(expected);
  });
});

describe('encrypting an opened group', () => {
  const key = liveKey(PATIENT);
  const opened = group(PATIENT, records);
  const events = encryptGroup(opened, key, 'encryption');

  it('publishes one records.encrypted event per record, metadata only, caused by the sealed event', () => {
    expect(events.map((event) => event.data.recordId)).toEqual(['rec-1', 'rec-2']);
    for (const [index, event] of events.entries()) {
      expect(event).toMatchObject({ type: 'records.encrypted.v1', source: 'encryption', subject: PATIENT });
      expect(event.data).toMatchObject({
        institution: 'hosp-a',
        patient: PATIENT,
        resourceType: records[index].resourceType,
        eventTime: '2026-02-01T08:30:00.000Z',
        dekId: key.dekId,
        contentHash: contentHash(canonicalBytes(records[index].resource)),
      });
      expect(JSON.stringify(event)).not.toContain('synthetic');
    }
    expect(events.map((event) => event.causationid)).toEqual([opened.sealedEvent.id, opened.sealedEvent.id]);
    expect(events[0].correlationid).toBe(opened.sealedEvent.correlationid);
  });

  it('stores ciphertext that opens under its own row to the canonical resource', () => {
    for (const [index, event] of events.entries()) expect(open(rowOf(event), key.dek)).toEqual(canonicalBytes(records[index].resource));
  });

  const [first, second] = events.map(rowOf);
  const moved = (overrides: Partial<StoredRecord>) => ({ ...first, ...overrides });
  it.each<[string, StoredRecord]>([
    ['a ciphertext moved onto another record row', { ...second, iv: first.iv, ciphertext: first.ciphertext, tag: first.tag }],
    ['a row relabelled to another record id', moved({ recordId: 'rec-2' })],
    ['a row relabelled to another patient', moved({ patient: OTHER })],
    ['a row relabelled to another institution', moved({ institution: 'hosp-b' })],
    ['a row relabelled to another DEK version', moved({ dekId: `${PATIENT}.2` })],
  ])('rejects %s (the AAD binds it)', (_case, row) => {
    expect(() => open(row, key.dek)).toThrow(expect.objectContaining({ code: CryptoErrorCode.RecordRejected }));
  });

  it('rejects a row opened with another patient DEK', () => {
    expect(() => open(first, liveKey(PATIENT).dek)).toThrow(expect.objectContaining({ code: CryptoErrorCode.RecordRejected }));
  });
});

describe('the AAD of a stored row', () => {
  it.each<[string, string, number]>([
    ['version 1', `${PATIENT}.1`, 1],
    ['a later version', `${PATIENT}.12`, 12],
  ])('reads the DEK version from a dekId of %s', (_case, dekId, dekVersion) => {
    expect(storedRecordAad({ recordId: 'rec-1', patient: PATIENT, institution: 'hosp-a', dekId })).toEqual({
      recordId: 'rec-1',
      patient: PATIENT,
      institution: 'hosp-a',
      dekVersion,
    });
  });
});

describe('encrypting a batch of opened groups', () => {
  const opened = [
    { consumed: 'live-group', group: group(PATIENT, records) },
    { consumed: 'erased-group', group: group(OTHER, [records[0]]) },
    { consumed: 'keyless-group', group: group('p-zzzzzzzzzzzzzzzz234567', [records[1]]) },
  ];
  const keys = new Map<string, PatientKey>([
    [PATIENT, liveKey(PATIENT)],
    [OTHER, { kind: 'erased', patient: OTHER }],
  ]);

  it('encrypts the live patients groups and hands back the erased and keyless ones to reject', () => {
    const { events, erased } = encryptOpenedGroups(opened, keys, 'encryption');
    expect(events.map((event) => [event.data.patient, event.data.recordId])).toEqual([
      [PATIENT, 'rec-1'],
      [PATIENT, 'rec-2'],
    ]);
    expect(erased).toEqual(['erased-group', 'keyless-group']);
  });
});

describe('what the record store keeps of records.encrypted', () => {
  const consumed = (event: EventOf<'records.encrypted.v1'>) => ({ event, topic: 'medshare.records.encrypted.v1', partition: 0, offset: '0' });
  const encrypted = (source: string) =>
    encryptOpenedGroups([{ consumed: 'group', group: group(PATIENT, records) }], new Map([[PATIENT, liveKey(PATIENT)]]), source).events;

  it("keeps this deployment's records and drops another deployment's, which its keys could never open", () => {
    const own = encrypted('encryption');
    const foreign = encrypted('encryption-elsewhere');
    const kept = encryptedRecordsOf([...foreign, ...own].map(consumed), 'encryption');
    expect(kept.map((event) => event.id)).toEqual(own.map((event) => event.id));
  });
});
