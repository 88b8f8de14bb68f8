// What a permit releases, once its rows are loaded: each stored record decrypted under the patient's DEK and its own
// AAD, then de-identified when the permit says so. Throws CryptoError for a row that does not authenticate.
import { deIdentify } from '@medshare/consent';
import { decryptRecord, type Permit } from '@medshare/crypto';
import type { StoredRecord } from '../records/encrypted-record.repository';
import { storedRecordAad } from '../records/record-encryption';

export function openReleasedRecords(permit: Pick<Permit, 'deIdentify'>, dek: Buffer, rows: readonly StoredRecord[]): unknown[] {
  return rows.map((row) => {
    const plaintext = decryptRecord({
      dek,
      iv: Buffer.from(row.iv, 'base64'),
      ciphertext: Buffer.from(row.ciphertext, 'base64'),
      tag: Buffer.from(row.tag, 'base64'),
      aad: storedRecordAad(row),
    });
    const resource: unknown = JSON.parse(plaintext.toString('utf8'));
    return permit.deIdentify === true ? deIdentify(resource) : resource;
  });
}
