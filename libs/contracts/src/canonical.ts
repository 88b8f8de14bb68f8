// RFC 8785 (JSON Canonicalization Scheme) bytes: what the ledger hashes and signatures cover.
import canonicalizeJson from 'canonicalize';

export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return Buffer.from(text, 'utf8');
}
