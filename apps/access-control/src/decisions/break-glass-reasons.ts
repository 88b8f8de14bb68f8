// Break-glass reasons are a clinician's free text ("unconscious, suspected overdose, J. Smith RTA"): topics and the
// ledger get a keyed hash and a copy sealed (HPKE) to the encryption service's current key, never the text. The
// sealed copy is also kept here, so the requester's institution can review it through a permitted decrypt.
import { createHmac } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { breakGlassReasonAad, canonicalBytes } from '@medshare/contracts';
import { sealForEncryptionService, type SealedBox } from '@medshare/crypto';
import type { SealingPublicKey } from '../projection/access-projection';

export interface ProtectedReason {
  hash: string;
  /** Absent before the encryption service announced a key, and for refusals made before the patient was known. */
  sealed?: SealedBox;
}

export interface StoredReason {
  institution: string;
  patient: string;
  hash: string;
  sealed: SealedBox;
}

export class BreakGlassReasons {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secret: Uint8Array,
    private readonly sealingKey: () => SealingPublicKey | undefined,
  ) {}

  /** HMAC-SHA256 under the platform key: a short reason cannot be found by guessing, yet a review can be checked. */
  hash(decisionId: string, reason: string): string {
    return createHmac('sha256', this.secret)
      .update(canonicalBytes(['medshare.break-glass-reason.v1', decisionId, reason]))
      .digest('hex');
  }

  /** Hash and seal the reason of `decisionId`, and keep the sealed copy for review (before the decision is published). */
  async protect(decisionId: string, institution: string, patient: string | undefined, reason: string): Promise<ProtectedReason> {
    const hash = this.hash(decisionId, reason);
    const key = this.sealingKey();
    if (key === undefined || patient === undefined) return { hash };
    const sealed = await sealForEncryptionService(key.publicKeyB64, key.keyId, Buffer.from(reason, 'utf8'), breakGlassReasonAad(decisionId, patient));
    await this.dataSource.query(
      'INSERT INTO break_glass_reasons (decision_id, institution, patient, reason_hash, sealed) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (decision_id) DO NOTHING',
      [decisionId, institution, patient, hash, JSON.stringify(sealed)],
    );
    return { hash, sealed };
  }

  async find(decisionId: string): Promise<StoredReason | undefined> {
    const rows: { institution: string; patient: string; reason_hash: string; sealed: StoredReason['sealed'] }[] = await this.dataSource.query(
      'SELECT institution, patient, reason_hash, sealed FROM break_glass_reasons WHERE decision_id = $1',
      [decisionId],
    );
    const row = rows[0];
    return row && { institution: row.institution, patient: row.patient, hash: row.reason_hash, sealed: row.sealed };
  }
}
