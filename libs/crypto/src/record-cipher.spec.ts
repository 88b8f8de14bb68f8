import { CryptoErrorCode } from './crypto-error';
import { decryptRecord, encryptRecord, generateDek, recordAadBytes, type EncryptedRecord, type RecordAad } from './record-cipher';

const aad: RecordAad = { recordId: 'rec-0001', patient: 'p-synthetic000000000000000000000a', institution: 'org-north', dekVersion: 1 };
const plaintext = Buffer.from('{"resourceType":"Observation","id":"obs-synthetic-1"}');

describe('record encryption', () => {
  const dek = generateDek();

  it('round-trips a record', () => {
    const encrypted = encryptRecord({ dek, plaintext, aad });
    expect(encrypted.iv).toHaveLength(12);
    expect(encrypted.tag).toHaveLength(16);
    expect(decryptRecord({ ...encrypted, dek, aad })).toEqual(plaintext);
  });

  it('draws a fresh 96-bit IV per record', () => {
    const a = encryptRecord({ dek, plaintext, aad });
    const b = encryptRecord({ dek, plaintext, aad });
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('gives the same AAD bytes whatever the field order (RFC 8785)', () => {
    const reordered: RecordAad = { dekVersion: 1, institution: 'org-north', patient: aad.patient, recordId: 'rec-0001' };
    expect(recordAadBytes(reordered)).toEqual(recordAadBytes(aad));
  });

  it.each<[string, Partial<RecordAad>]>([
    ['moved to another record', { recordId: 'rec-0002' }],
    ['moved to another patient', { patient: 'p-synthetic000000000000000000000b' }],
    ['moved to another institution', { institution: 'org-south' }],
    ['read under another DEK version', { dekVersion: 2 }],
  ])('refuses a ciphertext %s', (_case, change) => {
    const encrypted = encryptRecord({ dek, plaintext, aad });
    expect(() => decryptRecord({ ...encrypted, dek, aad: { ...aad, ...change } })).toThrow(expect.objectContaining({ code: CryptoErrorCode.RecordRejected }));
  });

  const flip = (bytes: Buffer, index: number) => {
    const copy = Buffer.from(bytes);
    copy[index] ^= 0x01;
    return copy;
  };

  it.each<[string, (record: EncryptedRecord) => EncryptedRecord]>([
    ['tampered ciphertext', (r) => ({ ...r, ciphertext: flip(r.ciphertext, 3) })],
    ['tampered tag', (r) => ({ ...r, tag: flip(r.tag, 15) })],
    ['tampered IV', (r) => ({ ...r, iv: flip(r.iv, 0) })],
    ['truncated ciphertext', (r) => ({ ...r, ciphertext: r.ciphertext.subarray(1) })],
  ])('refuses a %s', (_case, tamper) => {
    const encrypted = tamper(encryptRecord({ dek, plaintext, aad }));
    expect(() => decryptRecord({ ...encrypted, dek, aad })).toThrow(expect.objectContaining({ code: CryptoErrorCode.RecordRejected }));
  });

  it('refuses another DEK (what a shredded patient key leaves: nothing that opens the record)', () => {
    const encrypted = encryptRecord({ dek, plaintext, aad });
    expect(() => decryptRecord({ ...encrypted, dek: generateDek(), aad })).toThrow(expect.objectContaining({ code: CryptoErrorCode.RecordRejected }));
  });

  it.each<[string, () => unknown]>([
    ['a 16-byte DEK', () => encryptRecord({ dek: dek.subarray(0, 16), plaintext, aad })],
    ['an 8-byte IV', () => decryptRecord({ ...encryptRecord({ dek, plaintext, aad }), iv: Buffer.alloc(8), dek, aad })],
    ['a 12-byte tag', () => decryptRecord({ ...encryptRecord({ dek, plaintext, aad }), tag: Buffer.alloc(12), dek, aad })],
    ['an empty record id', () => encryptRecord({ dek, plaintext, aad: { ...aad, recordId: '' } })],
    ['a DEK version of 0', () => encryptRecord({ dek, plaintext, aad: { ...aad, dekVersion: 0 } })],
  ])('rejects %s as invalid input', (_case, act) => {
    expect(act).toThrow(expect.objectContaining({ code: CryptoErrorCode.InvalidInput }));
  });
});
