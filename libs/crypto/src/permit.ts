// Signed permits: access control's decision, carried to the encryption service as an Ed25519 compact JWS it can check offline.
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { signCompactJws, verifyCompactJws } from './compact-jws';
import { CryptoError, CryptoErrorCode } from './crypto-error';

export const PERMIT_TOKEN_TYPE = 'medshare-permit+jwt';

const nonEmpty = z.string().min(1);

const permitSchema = z.strictObject({
  decisionId: nonEmpty,
  requester: z.strictObject({ institution: nonEmpty, practitioner: nonEmpty }),
  /** Patient pseudonym. */
  patient: nonEmpty,
  resourceTypes: z.array(nonEmpty).min(1),
  /** HL7 v3 ActReason purpose of use (TREAT, ETREAT, HRESCH, ...). */
  purpose: nonEmpty,
  deIdentify: z.boolean().optional(),
  /** A review permit: the decision whose sealed break-glass reason it lets the encryption service open (no records). */
  reveals: nonEmpty.optional(),
  /** A file read: the encryption service releases this one file's key (sealed to the reply key), no records. */
  file: nonEmpty.optional(),
  /** sealingKeyId of the X25519 key the reply must be sealed to: whoever else presents the permit cannot redirect it. */
  replyKeyId: z.string().regex(/^[0-9a-f]{16}$/),
  expiresAt: z.iso.datetime({ offset: true }),
});

export type Permit = z.infer<typeof permitSchema>;

export type PermitRejection = 'malformed' | 'bad-signature' | 'expired';

export type PermitVerification = { ok: true; permit: Permit } | { ok: false; reason: PermitRejection; detail: string };

const expirySeconds = (permit: Permit) => Math.floor(Date.parse(permit.expiresAt) / 1000);

/**
 * The JWT payload is the permit itself plus `jti` (= decisionId) and `exp` (= expiresAt in whole seconds) for
 * generic JWT tooling; verification decides expiry on expiresAt, to the millisecond.
 */
export function signPermit(privateKey: KeyObject, permit: Permit): string {
  const parsed = permitSchema.safeParse(permit);
  if (!parsed.success) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, `permit is malformed: ${z.prettifyError(parsed.error)}`);
  }
  return signCompactJws(privateKey, { typ: PERMIT_TOKEN_TYPE }, { ...parsed.data, jti: parsed.data.decisionId, exp: expirySeconds(parsed.data) });
}

export function verifyPermit(publicKey: KeyObject, token: string, now: Date): PermitVerification {
  const verified = verifyCompactJws(publicKey, token, PERMIT_TOKEN_TYPE);
  if (!verified.ok) return verified;
  const { jti, exp, ...fields } = verified.payload;
  const parsed = permitSchema.safeParse(fields);
  if (!parsed.success || jti !== parsed.data.decisionId || exp !== expirySeconds(parsed.data)) {
    return { ok: false, reason: 'malformed', detail: 'permit claims do not match the permit schema' };
  }
  if (now.getTime() >= Date.parse(parsed.data.expiresAt)) {
    return { ok: false, reason: 'expired', detail: `permit expired at ${parsed.data.expiresAt}` };
  }
  return { ok: true, permit: parsed.data };
}
