// Stable patient pseudonyms: HMAC-SHA256 of an identifier, linked across institutions only for shared identifier systems.
import { createHmac } from 'node:crypto';
import canonicalize from 'canonicalize';
import { toBase32 } from './bytes';
import { CryptoError, CryptoErrorCode } from './crypto-error';

export interface PseudonymKey {
  /** 32+ random bytes, one per deployment, held by the services that pseudonymise; rotating it renames every patient. */
  secret: Uint8Array;
  /** Identifier systems that mean the same person everywhere (national health id URIs); all others are institution-local. */
  sharedSystems: ReadonlySet<string>;
}

const PSEUDONYM_LABEL = 'medshare.pseudonym.v1';
const INSTITUTION_KEY_LABEL = 'medshare.institution-key-owner.v1';
const PSEUDONYM_BYTES = 20; // 160 bits: collisions need ~2^80 patients
const MIN_SECRET_BYTES = 32;

/**
 * `p-` + 32 lower-case base32 characters. Domain separation: the HMAC input is the RFC 8785 JSON array
 * [label, "shared", system, value] for shared systems and [label, "local", institution, system, value] for the
 * rest, so field boundaries are unambiguous, a shared and a local identifier never share an input, and an MRN
 * "123" at two hospitals gives two unrelated pseudonyms while a national id gives one.
 */
export function pseudonymise(key: PseudonymKey, system: string, value: string, institution: string): string {
  if (key.secret.byteLength < MIN_SECRET_BYTES) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, `pseudonym secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  for (const [field, text] of [
    ['system', system],
    ['value', value],
    ['institution', institution],
  ] as const) {
    if (typeof text !== 'string' || text.length === 0) {
      throw new CryptoError(CryptoErrorCode.InvalidInput, `pseudonym ${field} must be a non-empty string`);
    }
  }
  const input = key.sharedSystems.has(system) ? [PSEUDONYM_LABEL, 'shared', system, value] : [PSEUDONYM_LABEL, 'local', institution, system, value];
  const mac = createHmac('sha256', key.secret)
    .update(canonicalize(input) ?? '', 'utf8')
    .digest();
  return `p-${toBase32(mac.subarray(0, PSEUDONYM_BYTES))}`;
}

/**
 * The key owner of an institution's reference resources (Organization, Practitioner, Location...): shaped like a
 * patient pseudonym so the same DEK, rotation and shredding machinery serves it, but from another HMAC input
 * domain, so no identifier a caller names can ever pseudonymise to it.
 */
export function institutionKeyOwner(key: PseudonymKey, institution: string): string {
  if (typeof institution !== 'string' || institution.length === 0)
    throw new CryptoError(CryptoErrorCode.InvalidInput, 'institution must be a non-empty string');
  const mac = createHmac('sha256', key.secret)
    .update(canonicalize([INSTITUTION_KEY_LABEL, institution]) ?? '', 'utf8')
    .digest();
  return `p-${toBase32(mac.subarray(0, PSEUDONYM_BYTES))}`;
}
