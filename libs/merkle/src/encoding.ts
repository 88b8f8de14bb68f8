// Strict hex and base64 decoding: Node's Buffer.from silently drops what it cannot parse, which a
// verifier must never do with attacker-supplied input.
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes hex (either case, even length) or returns undefined. */
export function decodeHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** Decodes canonical padded standard base64 (RFC 4648 §4) or returns undefined. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Rejects non-zero padding bits, so each byte string has exactly one accepted encoding.
  return bytes.toString('base64') === text ? bytes : undefined;
}
