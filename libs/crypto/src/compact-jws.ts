// RFC 7515 compact JWS restricted to EdDSA/Ed25519 (RFC 8037) over node:crypto: one algorithm, a fixed typ, no crit.
import { sign, verify, type KeyObject } from 'node:crypto';
import { CryptoError, CryptoErrorCode } from './crypto-error';

export interface JwsHeader {
  alg: 'EdDSA';
  typ: string;
  /** Names the signer's key (for institution tokens: the institution). */
  kid?: string;
}

export type JwsVerification =
  { ok: true; header: JwsHeader; payload: Record<string, unknown> } | { ok: false; reason: 'malformed' | 'bad-signature'; detail: string };

const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;
const ED25519_SIGNATURE_BYTES = 64;

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Canonical unpadded base64url only: two encodings of one token must not both verify. */
function decodeSegment(segment: string): Buffer | undefined {
  if (!BASE64URL_SEGMENT.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function requireEd25519(key: KeyObject, type: 'private' | 'public'): void {
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    throw new CryptoError(CryptoErrorCode.InvalidInput, `expected an Ed25519 ${type} key`);
  }
}

export function signCompactJws(privateKey: KeyObject, header: Omit<JwsHeader, 'alg'>, payload: Record<string, unknown>): string {
  requireEd25519(privateKey, 'private');
  const signingInput = `${encodeSegment({ alg: 'EdDSA', ...header })}.${encodeSegment(payload)}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput, 'ascii'), privateKey).toString('base64url')}`;
}

/** The header before any verification, to pick the key; trust nothing in it until verifyCompactJws says so. */
export function peekJwsHeader(token: string): Record<string, unknown> | undefined {
  const segments = token.split('.');
  if (segments.length !== 3) return undefined;
  const bytes = decodeSegment(segments[0]);
  return bytes && parseJsonObject(bytes);
}

export function verifyCompactJws(publicKey: KeyObject, token: string, expectedTyp: string): JwsVerification {
  requireEd25519(publicKey, 'public');
  const segments = token.split('.');
  if (segments.length !== 3) return { ok: false, reason: 'malformed', detail: 'not a compact JWS' };
  const [headerSegment, payloadSegment, signatureSegment] = segments;
  const headerBytes = decodeSegment(headerSegment);
  const header = headerBytes && parseJsonObject(headerBytes);
  if (header === undefined) return { ok: false, reason: 'malformed', detail: 'header is not base64url JSON' };
  if (header.alg !== 'EdDSA') return { ok: false, reason: 'malformed', detail: 'algorithm is not EdDSA' };
  if (header.typ !== expectedTyp) return { ok: false, reason: 'malformed', detail: `token type is not ${expectedTyp}` };
  if ('crit' in header) return { ok: false, reason: 'malformed', detail: 'critical header extensions are not supported' };
  if (header.kid !== undefined && typeof header.kid !== 'string') return { ok: false, reason: 'malformed', detail: 'kid is not a string' };
  const signature = decodeSegment(signatureSegment);
  if (signature === undefined || signature.byteLength !== ED25519_SIGNATURE_BYTES) {
    return { ok: false, reason: 'malformed', detail: 'signature is not 64 base64url bytes' };
  }
  if (!verify(null, Buffer.from(`${headerSegment}.${payloadSegment}`, 'ascii'), publicKey, signature)) {
    return { ok: false, reason: 'bad-signature', detail: 'signature does not verify' };
  }
  const payloadBytes = decodeSegment(payloadSegment);
  const payload = payloadBytes && parseJsonObject(payloadBytes);
  if (payload === undefined) return { ok: false, reason: 'malformed', detail: 'payload is not a JSON object' };
  return { ok: true, header: { alg: 'EdDSA', typ: expectedTyp, ...(header.kid === undefined ? {} : { kid: header.kid }) }, payload };
}
