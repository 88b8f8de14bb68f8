// An Idempotency-Key as ingestion keeps it: a keyed pseudonym of the key, and a keyed hash binding it to one body.
import { createHmac } from 'node:crypto';
import { pseudonymise, type PseudonymKey } from '@medshare/crypto';
import type { ClaimKey } from '../persistence/idempotency.repository';

/** Pseudonymised in the institution's local domain, like an MRN: the same key of two institutions never meets. */
const IDEMPOTENCY_KEY_SYSTEM = 'urn:medshare:idempotency-key';
const BODY_HASH_LABEL = 'medshare.idempotency-body.v1';

export function claimKeyOf(pseudonymKey: PseudonymKey, institution: string, key: string): ClaimKey {
  return { institution, keyPseudonym: pseudonymise(pseudonymKey, IDEMPOTENCY_KEY_SYSTEM, key, institution) };
}

/** HMAC-SHA256, hex: a plain hash of a small body could be confirmed by guessing it. */
export function bodyHashOf(pseudonymKey: PseudonymKey, claim: ClaimKey, body: Buffer): string {
  return createHmac('sha256', pseudonymKey.secret).update(`${BODY_HASH_LABEL}\0${claim.institution}\0${claim.keyPseudonym}\0`).update(body).digest('hex');
}
