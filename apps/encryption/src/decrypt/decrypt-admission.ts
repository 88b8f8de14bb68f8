// Which decrypt requests may go on to the store, decided without I/O: a permit signed by access control, unexpired,
// naming a patient pseudonym, and a raw X25519 reply key that is the one the permit names (so whoever presents a
// permit first cannot redirect the reply to a key of their own). Single use is checked after this, in PostgreSQL.
import type { KeyObject } from 'node:crypto';
import type { EventData } from '@medshare/contracts';
import { sealingKeyId, verifyPermit, type Permit } from '@medshare/crypto';

export type DecryptAdmission = { admitted: true; permit: Permit; replyKey: Buffer } | { admitted: false; reason: string; permit?: Permit };

const PSEUDONYM = /^p-[a-z2-7]{16,64}$/;
const X25519_PUBLIC_KEY_BYTES = 32;

export function admitDecryptRequest(permitKey: KeyObject, request: EventData<'encryption.decrypt-requested.v1'>, now: Date): DecryptAdmission {
  const verdict = verifyPermit(permitKey, request.permit, now);
  if (!verdict.ok) return { admitted: false, reason: `permit ${verdict.reason}` };
  const permit = verdict.permit;
  if (!PSEUDONYM.test(permit.patient)) return { admitted: false, reason: 'permit names no patient pseudonym', permit };
  const replyKey = Buffer.from(request.replyKey, 'base64');
  if (replyKey.byteLength !== X25519_PUBLIC_KEY_BYTES) return { admitted: false, reason: 'replyKey is not a raw X25519 public key', permit };
  if (sealingKeyId(replyKey) !== permit.replyKeyId) return { admitted: false, reason: 'replyKey is not the reply key the permit names', permit };
  return { admitted: true, permit, replyKey };
}
