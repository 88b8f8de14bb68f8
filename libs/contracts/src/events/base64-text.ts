// The base64 fields' one rule: the published JSON Schema `pattern`, and a check that answers exactly as it does.

/** The JSON Schema `pattern` of every base64 field, as published. */
export const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

const OUTSIDE_ALPHABET = /[^A-Za-z0-9+/=]/;

/**
 * `BASE64_PATTERN.test(text)`, ~10x cheaper on a large ciphertext: V8 runs the anchored pattern with a backtrack entry
 * per character (1-2 ms per 83 KB sealed box, and every record is checked on each hop), while a search for one
 * character outside the alphabet does not. Then only the padding's place is left to check: at most two `=`, at the end.
 */
export function isBase64Text(text: string): boolean {
  if (OUTSIDE_ALPHABET.test(text)) return false;
  const padding = text.indexOf('=');
  return padding === -1 || padding === text.length - 1 || (padding === text.length - 2 && text.charCodeAt(text.length - 1) === 0x3d);
}
