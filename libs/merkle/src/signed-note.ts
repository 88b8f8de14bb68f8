// C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures: text, a blank line, then lines
// "— <key name> base64(4-byte key ID || signature)".
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { parsePrivateKey, parsePublicKey, rawPublicKey, type PrivateKeyInput, type PublicKeyInput } from './ed25519-keys';
import { decodeBase64 } from './encoding';
import { invalid } from './verdict';

const ED25519_SIGNATURE_TYPE = 0x01;
const KEY_ID_SIZE = 4;
const ED25519_SIGNATURE_SIZE = 64;
// The spec requires accepting 16; a bound keeps hostile notes from costing unbounded work.
const MAX_SIGNATURES = 100;
const SIGNATURE_LINE_PREFIX = '\u2014 ';
const CONTROL_CHARACTER_OTHER_THAN_NEWLINE = /[\u0000-\u0009\u000b-\u001f]/;
const KEY_NAME = /^[^\s+]+$/u;

export type NoteVerdict = { ok: true; text: string; keyName: string } | { ok: false; reason: string };

interface NoteSignature {
  keyName: string;
  keyId: Buffer;
  signature: Buffer;
}

/** SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], the spec's recommended key ID. */
export function noteKeyId(keyName: string, publicKey: PublicKeyInput): Buffer {
  return createHash('sha256')
    .update(`${keyName}\n`)
    .update(Buffer.from([ED25519_SIGNATURE_TYPE]))
    .update(rawPublicKey(parsePublicKey(publicKey)))
    .digest()
    .subarray(0, KEY_ID_SIZE);
}

/** Signs note text (which must end in a newline) and returns the signed note. Throws on bad input. */
export function signNote(text: string, keyName: string, privateKey: PrivateKeyInput): string {
  const textProblem = checkText(text);
  if (textProblem !== undefined) throw new RangeError(textProblem);
  if (!KEY_NAME.test(keyName)) throw new RangeError('key name must be non-empty, without spaces or "+"');
  const key = parsePrivateKey(privateKey);
  const signature = sign(null, Buffer.from(text, 'utf8'), key);
  const keyId = noteKeyId(keyName, key);
  return `${text}\n${SIGNATURE_LINE_PREFIX}${keyName} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

/**
 * Opens a signed note with one trusted public key: succeeds when a signature line whose key name
 * and ID match the key verifies. Lines of other keys are ignored, as the spec requires; a matching
 * line whose signature fails rejects the whole note. Never throws.
 */
export function verifyNote(note: string, publicKey: PublicKeyInput): NoteVerdict {
  let key: KeyObject;
  try {
    key = parsePublicKey(publicKey);
  } catch (error) {
    return invalid(`public key: ${(error as Error).message}`);
  }
  const parsed = splitSignedNote(note);
  if ('reason' in parsed) return invalid(parsed.reason);
  const message = Buffer.from(parsed.text, 'utf8');
  let verifiedBy: string | undefined;
  for (const { keyName, keyId, signature } of parsed.signatures) {
    if (!keyId.equals(noteKeyId(keyName, key))) continue;
    if (signature.length !== ED25519_SIGNATURE_SIZE || !verify(null, message, key, signature)) {
      return invalid(`signature by key "${keyName}" does not verify`);
    }
    verifiedBy ??= keyName;
  }
  if (verifiedBy === undefined) return invalid('note carries no signature from the given public key');
  return { ok: true, text: parsed.text, keyName: verifiedBy };
}

/** Separates a signed note into its text and parsed signature lines, without verifying anything. */
export function splitSignedNote(note: string): { text: string; signatures: NoteSignature[] } | { reason: string } {
  if (CONTROL_CHARACTER_OTHER_THAN_NEWLINE.test(note)) return { reason: 'note contains control characters' };
  // The text ends at the last blank line; what follows is only signature lines.
  const separator = note.lastIndexOf('\n\n');
  if (separator < 0) return { reason: 'note has no blank line before its signatures' };
  const text = note.slice(0, separator + 1);
  const block = note.slice(separator + 2);
  if (!block.endsWith('\n')) return { reason: 'note signatures must end with a newline' };
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return { reason: `note has more than ${MAX_SIGNATURES} signatures` };
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const signature = parseSignatureLine(line);
    if (signature === undefined) return { reason: `malformed signature line: ${JSON.stringify(line)}` };
    signatures.push(signature);
  }
  return { text, signatures };
}

function parseSignatureLine(line: string): NoteSignature | undefined {
  if (!line.startsWith(SIGNATURE_LINE_PREFIX)) return undefined;
  const fields = line.slice(SIGNATURE_LINE_PREFIX.length).split(' ');
  if (fields.length !== 2 || !KEY_NAME.test(fields[0])) return undefined;
  const bytes = decodeBase64(fields[1]);
  if (bytes === undefined || bytes.length <= KEY_ID_SIZE) return undefined;
  return { keyName: fields[0], keyId: bytes.subarray(0, KEY_ID_SIZE), signature: bytes.subarray(KEY_ID_SIZE) };
}

function checkText(text: string): string | undefined {
  if (!text.endsWith('\n')) return 'note text must end with a newline';
  if (CONTROL_CHARACTER_OTHER_THAN_NEWLINE.test(text)) return 'note text must not contain control characters';
  return undefined;
}
