// C2SP signed notes, anchored on the published example of golang.org/x/mod/sumdb/note (note.go,
// note_test.go): Ed25519 is deterministic, so signing must reproduce it byte for byte.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { noteKeyId, signNote, verifyNote } from './signed-note';

// The base64 parts of "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK…" and "PeterNeumann+c74f20a3+ARpc…":
// a type byte 0x01, then the 32-byte seed or public key.
const PETER_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const PETER_PUBLIC_KEY = Buffer.from('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'base64').subarray(1).toString('base64');
const PKCS8_ED25519_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const PETER_PRIVATE_KEY = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_SEED_PREFIX, PETER_SEED]), format: 'der', type: 'pkcs8' });

const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const SIGNED = `${TEXT}\n` + '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

const other = generateKeyPairSync('ed25519');
const otherSignature = signNote(TEXT, 'OtherKey', other.privateKey).slice(TEXT.length + 1);

describe('signed notes', () => {
  it('derive the published key ID', () => {
    expect(noteKeyId('PeterNeumann', PETER_PUBLIC_KEY).toString('hex')).toBe('c74f20a3');
  });

  it('sign exactly as the published example', () => {
    expect(signNote(TEXT, 'PeterNeumann', PETER_PRIVATE_KEY)).toBe(SIGNED);
  });

  it('verify the published example', () => {
    expect(verifyNote(SIGNED, PETER_PUBLIC_KEY)).toEqual({ ok: true, text: TEXT, keyName: 'PeterNeumann' });
  });

  it('ignore signatures of other keys next to the trusted one', () => {
    expect(verifyNote(SIGNED + otherSignature, PETER_PUBLIC_KEY).ok).toBe(true);
    expect(verifyNote(`${TEXT}\n${otherSignature}${SIGNED.slice(TEXT.length + 1)}`, PETER_PUBLIC_KEY).ok).toBe(true);
  });

  it('keep the text up to the last blank line, which may itself contain blank lines', () => {
    const text = 'first\n\nsecond\n';
    const verdict = verifyNote(signNote(text, 'k', PETER_PRIVATE_KEY), PETER_PUBLIC_KEY);
    expect(verdict).toEqual({ ok: true, text, keyName: 'k' });
  });

  it.each([
    ['a changed text', SIGNED.replace('cryptography', 'cryptographY'), 'does not verify'],
    ['a signature under another key name', SIGNED.replace('PeterNeumann', 'PeterNeumannX'), 'no signature from the given public key'],
    ['only another key signature', `${TEXT}\n${otherSignature}`, 'no signature from the given public key'],
    [
      'a signature of the wrong length',
      `${TEXT}\n\u2014 PeterNeumann ${Buffer.concat([Buffer.from('c74f20a3', 'hex'), Buffer.alloc(63)]).toString('base64')}\n`,
      'does not verify',
    ],
    ['no blank line', SIGNED.replace(`${TEXT}\n`, TEXT), 'no blank line'],
    ['no signature lines', `${TEXT}\n`, 'must end with a newline'],
    ['no final newline', SIGNED.slice(0, -1), 'must end with a newline'],
    ['a hyphen instead of an em dash', SIGNED.replace('\u2014', '-'), 'malformed signature line'],
    ['a signature that is not base64', SIGNED.replace('x08go/', 'x08go!'), 'malformed signature line'],
    ['a key name with a plus', SIGNED.replace('PeterNeumann', 'Peter+Neumann'), 'malformed signature line'],
    ['an extra field', SIGNED.replace('\n\u2014 PeterNeumann ', '\n\u2014 Peter Neumann '), 'malformed signature line'],
    ['a control character', SIGNED.replace('answer', 'ans\twer'), 'control characters'],
    ['a carriage return', SIGNED.replace('\n', '\r\n'), 'control characters'],
    ['more than 100 signature lines', SIGNED + otherSignature.repeat(100), 'more than 100 signatures'],
  ])('are rejected with %s', (_case, note, reason) => {
    const verdict = verifyNote(note, PETER_PUBLIC_KEY);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok === false && verdict.reason).toContain(reason);
  });

  it('are rejected under an unusable public key rather than throwing', () => {
    const verdict = verifyNote(SIGNED, 'not a key');
    expect(verdict.ok === false && verdict.reason).toMatch(/^public key: /);
  });

  it.each([
    ['text without a final newline', () => signNote('text', 'k', PETER_PRIVATE_KEY)],
    ['text with a control character', () => signNote('a\u0000b\n', 'k', PETER_PRIVATE_KEY)],
    ['an empty key name', () => signNote(TEXT, '', PETER_PRIVATE_KEY)],
    ['a key name with a space', () => signNote(TEXT, 'a b', PETER_PRIVATE_KEY)],
    ['a key name with a plus', () => signNote(TEXT, 'a+b', PETER_PRIVATE_KEY)],
  ])('cannot be signed with %s', (_case, call) => {
    expect(call).toThrow(RangeError);
  });

  it('cannot be signed with a public key', () => {
    expect(() => signNote(TEXT, 'k', other.publicKey)).toThrow(TypeError);
  });
});
