// Institution tokens: Ed25519 JWTs an institution signs for its HTTP calls to ingestion and access control.
import { randomUUID, type KeyObject } from 'node:crypto';
import { peekJwsHeader, signCompactJws, verifyCompactJws, type JwsVerification } from './compact-jws';
import { CryptoError, CryptoErrorCode } from './crypto-error';
import type { InstitutionKeyring } from './signing-keys';

export const INSTITUTION_TOKEN_TYPE = 'medshare-institution+jwt';
export const INSTITUTION_TOKEN_AUDIENCE = 'medshare';
/** Longer-lived bearer tokens are refused at issue and at verification. */
export const MAX_INSTITUTION_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** Tolerated clock skew for an `iat` slightly in the verifier's future. */
const ISSUED_AT_SKEW_SECONDS = 60;

export interface InstitutionTokenRequest {
  institution: string;
  /** Absent for system-to-system calls (a hospital system publishing events). */
  practitioner?: string;
  /** medshare practitioner role code (physician, nurse, researcher, ...). */
  role?: string;
  ttlSeconds: number;
}

export interface InstitutionIdentity {
  institution: string;
  practitioner?: string;
  role?: string;
  tokenId: string;
  expiresAt: Date;
}

/**
 * Every reason but issuer-mismatch means "not authenticated" (401). issuer-mismatch is a token validly signed by
 * one known institution that claims to be another: authenticated, and an impersonation attempt (403, docs/security.md).
 */
export type TokenRejection = 'malformed' | 'unknown-issuer' | 'bad-signature' | 'expired' | 'wrong-audience' | 'issuer-mismatch';

export type TokenVerification = { ok: true; identity: InstitutionIdentity } | { ok: false; reason: TokenRejection; detail: string };

const PRACTITIONER_SUBJECT = 'Practitioner/';
const SYSTEM_SUBJECT = 'Organization/';

/**
 * Claims: iss = institution, sub = `Practitioner/<id>` or `Organization/<institution>` for the institution's own
 * system, aud = medshare, iat, exp, jti, optional role. The header's kid names the signing institution.
 */
export function issueInstitutionToken(privateKey: KeyObject, request: InstitutionTokenRequest, now: Date = new Date()): string {
  if (request.institution.length === 0 || request.practitioner === '') {
    throw new CryptoError(CryptoErrorCode.InvalidInput, 'institution and practitioner must be non-empty');
  }
  if (!Number.isSafeInteger(request.ttlSeconds) || request.ttlSeconds < 1 || request.ttlSeconds > MAX_INSTITUTION_TOKEN_TTL_SECONDS) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, `ttlSeconds must be 1..${MAX_INSTITUTION_TOKEN_TTL_SECONDS}`);
  }
  const iat = Math.floor(now.getTime() / 1000);
  const sub = request.practitioner === undefined ? `${SYSTEM_SUBJECT}${request.institution}` : `${PRACTITIONER_SUBJECT}${request.practitioner}`;
  return signCompactJws(
    privateKey,
    { typ: INSTITUTION_TOKEN_TYPE, kid: request.institution },
    {
      iss: request.institution,
      sub,
      aud: INSTITUTION_TOKEN_AUDIENCE,
      iat,
      exp: iat + request.ttlSeconds,
      jti: randomUUID(),
      ...(request.role === undefined ? {} : { role: request.role }),
    },
  );
}

/**
 * A bearer token comes again with every request for its whole life, and an Ed25519 verify costs ~60-100 µs: the
 * claims of a token whose signature verified are kept per key object (a rotated key starts empty), looked up by the
 * token's exact text, signature included, so only those very bytes skip the verify. The claims are checked on every
 * call (expiry included); nothing unverified is kept, so without a key nobody can fill it; oldest out first.
 */
const VERIFIED_TOKENS_PER_KEY = 1_000;
const verifiedTokens = new WeakMap<KeyObject, Map<string, JwsVerification & { ok: true }>>();

function verifySignature(publicKey: KeyObject, token: string): JwsVerification {
  let known = verifiedTokens.get(publicKey);
  const cached = known?.get(token);
  if (cached) return cached;
  const verified = verifyCompactJws(publicKey, token, INSTITUTION_TOKEN_TYPE);
  if (!verified.ok) return verified;
  if (!known) verifiedTokens.set(publicKey, (known = new Map()));
  if (known.size >= VERIFIED_TOKENS_PER_KEY) known.delete(known.keys().next().value as string);
  known.set(token, verified);
  return verified;
}

/** The key is chosen by the header's kid (the signer); the claims are trusted only after its signature verifies. */
export function verifyInstitutionToken(keyring: InstitutionKeyring, token: string, now: Date): TokenVerification {
  const signer = peekJwsHeader(token)?.kid;
  if (typeof signer !== 'string' || signer.length === 0) {
    return { ok: false, reason: 'malformed', detail: 'not a compact JWS naming its signing institution (kid)' };
  }
  const publicKey = keyring.publicKeyOf(signer);
  if (publicKey === undefined) {
    return { ok: false, reason: 'unknown-issuer', detail: `no key for institution ${signer}` };
  }
  const verified = verifySignature(publicKey, token);
  if (!verified.ok) return verified;
  const { iss, sub, aud, iat, exp, jti, role } = verified.payload;
  if (typeof iss !== 'string' || typeof sub !== 'string' || typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
    return { ok: false, reason: 'malformed', detail: 'token lacks iss, sub, iat, exp or jti' };
  }
  if (aud !== INSTITUTION_TOKEN_AUDIENCE) {
    return { ok: false, reason: 'wrong-audience', detail: `token is not for ${INSTITUTION_TOKEN_AUDIENCE}` };
  }
  const nowSeconds = now.getTime() / 1000;
  if (iat > nowSeconds + ISSUED_AT_SKEW_SECONDS) {
    return { ok: false, reason: 'malformed', detail: 'token is issued in the future' };
  }
  if (nowSeconds >= exp || nowSeconds - iat > MAX_INSTITUTION_TOKEN_TTL_SECONDS) {
    return { ok: false, reason: 'expired', detail: 'token has expired' };
  }
  if (iss !== signer) {
    return { ok: false, reason: 'issuer-mismatch', detail: `signed by ${signer} but claims to be ${iss}` };
  }
  if (role !== undefined && typeof role !== 'string') {
    return { ok: false, reason: 'malformed', detail: 'role is not a string' };
  }
  const identity: InstitutionIdentity = { institution: iss, tokenId: jti, expiresAt: new Date(exp * 1000), ...(role === undefined ? {} : { role }) };
  if (sub === `${SYSTEM_SUBJECT}${iss}`) return { ok: true, identity };
  if (sub.startsWith(PRACTITIONER_SUBJECT) && sub.length > PRACTITIONER_SUBJECT.length) {
    return { ok: true, identity: { ...identity, practitioner: sub.slice(PRACTITIONER_SUBJECT.length) } };
  }
  return { ok: false, reason: 'malformed', detail: 'subject is neither a practitioner nor the institution itself' };
}
