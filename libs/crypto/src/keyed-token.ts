// Keyed tokens of names and addresses (docs/keyed-tokens.md): what lets governance see "same family name" or "same
// address" without ever holding one. HMAC-SHA256 under the platform pseudonym key, one domain per kind of value.
import { createHmac } from 'node:crypto';
import canonicalize from 'canonicalize';
import { toBase32 } from './bytes';
import { pseudonymise, type PseudonymKey } from './pseudonym';

/** Each kind of tokenised value is its own HMAC domain: a family name and an address line never give the same token. */
export const TOKEN_DOMAINS = { familyName: 'medshare.token.family-name.v1', address: 'medshare.token.address.v1' } as const;
export type TokenDomain = (typeof TOKEN_DOMAINS)[keyof typeof TOKEN_DOMAINS];

const TOKEN_BYTES = 20;

/**
 * What two spellings of one value have in common: Unicode NFKC (full-width and compatibility forms fold), lower
 * case, every run of whitespace, punctuation and symbols one space, trimmed. Diacritics are kept ("Müller" is not
 * "Muller"): folding them would make unrelated names collide in some languages.
 */
export function normaliseTokenInput(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\p{Z}\s]+/gu, ' ')
    .trim();
}

/** `tk-` + 32 lower-case base32 characters; undefined when nothing is left after normalising. */
export function keyedToken(key: PseudonymKey, domain: TokenDomain, value: string): string | undefined {
  const normalised = normaliseTokenInput(value);
  if (normalised.length === 0) return undefined;
  const mac = createHmac('sha256', key.secret)
    .update(canonicalize([domain, normalised]) ?? '', 'utf8')
    .digest();
  return `tk-${toBase32(mac.subarray(0, TOKEN_BYTES))}`;
}

/**
 * A practitioner's platform name (`pr-`): the keyed pseudonym of the id its institution's tokens give it
 * (`Practitioner/<id>`). Access control names requesters by it and ingestion names roster entries by it, so
 * governance can match the two; not scoped to an institution (a practitioner id belongs to whoever registered it).
 */
export function practitionerPseudonym(key: PseudonymKey, clientId: string): string {
  return `pr-${pseudonymise(key, 'urn:medshare:client-name:practitioner', clientId, 'medshare').slice('p-'.length)}`;
}
