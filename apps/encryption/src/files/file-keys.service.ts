// Per-file keys: created for ingestion while it uploads a file (and released again for a resume), never once the
// file is stored; after that only a permit of access control releases a file's key. Each key is random, wrapped by
// the patient's DEK, and leaves this process only sealed (HPKE) to the asking instance's one-process reply key.
import { Injectable } from '@nestjs/common';
import { decryptReplyAad, type EventData, type EventOf } from '@medshare/contracts';
import { generateFileKey, sealRecordGroup, sealingKeyId, unwrapFileKey, wrapFileKey, type Permit } from '@medshare/crypto';
import { PatientKeys } from '../keys/patient-keys';
import { FileKeyRepository, type FileKeyRow } from './file-key.repository';

type KeyReply = EventData<'files.key-replied.v1'>;
type DecryptReply = EventData<'encryption.decrypt-replied.v1'>;

const X25519_PUBLIC_KEY_BYTES = 32;

@Injectable()
export class FileKeys {
  constructor(
    private readonly patientKeys: PatientKeys,
    private readonly files: FileKeyRepository,
  ) {}

  /** ingestion's `open` (key for an upload, created on first ask) and `close` (the file is stored). */
  async answer(request: EventOf<'files.key-requested.v1'>): Promise<KeyReply> {
    const { action, fileId, patient, institution, replyKey } = request.data;
    const existing = await this.files.find(fileId);
    if (existing !== undefined && (existing.patient !== patient || existing.institution !== institution))
      return refused('the file belongs to another patient or institution');
    if (action === 'close') {
      if (existing === undefined) return refused('unknown file');
      await this.files.markStored(fileId);
      return { outcome: 'ok' };
    }
    if (existing?.stored) return refused('the file is stored: its key is released only under a permit');
    if (Buffer.from(replyKey, 'base64').byteLength !== X25519_PUBLIC_KEY_BYTES) return refused('replyKey is not a raw X25519 public key');
    const key = (await this.patientKeys.keysOf([patient], { create: true })).get(patient);
    if (key === undefined) throw new Error('no DEK after creating one');
    if (key.kind === 'erased') return { outcome: 'erased', patient };
    let fileKey: Buffer | undefined;
    try {
      let row = existing;
      if (row === undefined) {
        const fresh = generateFileKey();
        row = await this.files.create({
          fileId,
          patient,
          institution,
          dekVersion: key.dekVersion,
          wrapped: wrapFileKey(key.dek, fresh, { fileId, patient, dekVersion: key.dekVersion }),
        });
        fresh.fill(0);
      }
      // A concurrent creator may have won: the stored row is the key.
      fileKey = unwrapFileKey(key.dek, row.wrapped, { fileId, patient, dekVersion: row.dekVersion });
      return { outcome: 'ok', sealed: await sealKey(replyKey, fileKey, request.id) };
    } finally {
      key.dek.fill(0);
      fileKey?.fill(0);
    }
  }

  /** The key of a stored file for a verified, unused permit that names it: `refuse` carries why not. */
  async release(permit: Permit & { file: string }, replyKey: string, requestId: string): Promise<DecryptReply | { refuse: string }> {
    const row: FileKeyRow | undefined = await this.files.find(permit.file);
    if (row === undefined || !row.stored || row.patient !== permit.patient || !permit.resourceTypes.includes('Binary'))
      return { refuse: "the permit names no stored file of its patient's" };
    const key = (await this.patientKeys.keysOf([permit.patient], { create: false })).get(permit.patient);
    if (key === undefined || key.kind === 'erased') return { outcome: 'erased', patient: permit.patient };
    const fileKey = unwrapFileKey(key.dek, row.wrapped, { fileId: row.fileId, patient: row.patient, dekVersion: row.dekVersion });
    key.dek.fill(0);
    try {
      return {
        outcome: 'ok',
        sealed: await sealKey(replyKey, fileKey, requestId),
        records: [{ recordId: row.fileId, resourceType: 'Binary', institution: row.institution }],
      };
    } finally {
      fileKey.fill(0);
    }
  }
}

function refused(reason: string): KeyReply {
  return { outcome: 'refused', reason };
}

function sealKey(replyKey: string, fileKey: Buffer, requestId: string) {
  return sealRecordGroup(replyKey, sealingKeyId(Buffer.from(replyKey, 'base64')), [fileKey.toString('base64')], decryptReplyAad(requestId));
}
