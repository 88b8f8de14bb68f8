// Signed tree heads in C2SP checkpoint form: exact text, signing, and what verification refuses.
import { generateKeyPairSync } from 'node:crypto';
import { formatCheckpoint, readSignedCheckpoint, signCheckpoint, verifyCheckpoint, type Checkpoint } from './checkpoint';
import { signNote } from './signed-note';

const ledgerKey = generateKeyPairSync('ed25519');
const strangerKey = generateKeyPairSync('ed25519');
const publicPem = ledgerKey.publicKey.export({ format: 'pem', type: 'spki' }).toString();

// The example of c2sp.org/tlog-checkpoint.
const SPEC_EXAMPLE: Checkpoint = {
  origin: 'example.com/behind-the-sofa',
  size: 20852163,
  rootHash: Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64'),
};
const SPEC_EXAMPLE_TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const signed = signCheckpoint(SPEC_EXAMPLE, ledgerKey.privateKey);

describe('checkpoints', () => {
  it('format as the spec example', () => {
    expect(formatCheckpoint(SPEC_EXAMPLE)).toBe(SPEC_EXAMPLE_TEXT);
  });

  it('are signed notes under a key named after the origin', () => {
    expect(signed.startsWith(`${SPEC_EXAMPLE_TEXT}\n\u2014 example.com/behind-the-sofa `)).toBe(true);
  });

  it('verify and parse back to the same tree head', () => {
    expect(verifyCheckpoint(signed, publicPem)).toEqual({ ok: true, checkpoint: SPEC_EXAMPLE, keyName: SPEC_EXAMPLE.origin });
  });

  it('may be signed under another key name', () => {
    const verdict = verifyCheckpoint(signCheckpoint(SPEC_EXAMPLE, ledgerKey.privateKey, 'medshare.example/ledger-2025'), ledgerKey.publicKey);
    expect(verdict.ok && verdict.keyName).toBe('medshare.example/ledger-2025');
  });

  it('verify with extension lines, which are signed but not interpreted', () => {
    const note = signNote(`${SPEC_EXAMPLE_TEXT}extension line\n`, 'k', ledgerKey.privateKey);
    expect(verifyCheckpoint(note, ledgerKey.publicKey)).toEqual({ ok: true, checkpoint: SPEC_EXAMPLE, keyName: 'k' });
  });

  it('verify the empty tree', () => {
    const empty = { origin: 'o', size: 0, rootHash: Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex') };
    expect(formatCheckpoint(empty)).toBe('o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n');
    expect(verifyCheckpoint(signCheckpoint(empty, ledgerKey.privateKey), ledgerKey.publicKey).ok).toBe(true);
  });

  it.each([
    ['a changed size', signed.replace('20852163', '20852164'), 'does not verify'],
    ['a changed root', signed.replace('CsUYap', 'CsUYaq'), 'does not verify'],
    ['a changed origin', signed.replace('behind-the-sofa\n', 'under-the-sofa\n'), 'does not verify'],
    ['an added extension line', signed.replace('q2I=\n', 'q2I=\nextra\n'), 'does not verify'],
  ])('are rejected with %s', (_case, note, reason) => {
    const verdict = verifyCheckpoint(note, ledgerKey.publicKey);
    expect(verdict.ok === false && verdict.reason).toContain(reason);
  });

  it('are rejected under another key', () => {
    const verdict = verifyCheckpoint(signed, strangerKey.publicKey);
    expect(verdict.ok === false && verdict.reason).toContain('no signature from the given public key');
  });

  const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
  it.each([
    ['two lines', `o\n5\n`, 'at least three non-empty lines'],
    ['an empty origin', `\n5\n${root}\n`, 'at least three non-empty lines'],
    ['an empty extension line', `o\n5\n${root}\n\nx\n`, 'at least three non-empty lines'],
    ['a size with a leading zero', `o\n05\n${root}\n`, 'not a decimal tree size'],
    ['a negative size', `o\n-5\n${root}\n`, 'not a decimal tree size'],
    ['a size with a sign', `o\n+5\n${root}\n`, 'not a decimal tree size'],
    ['a size beyond 2^53', `o\n9007199254740993\n${root}\n`, 'not a decimal tree size'],
    ['a hex root', `o\n5\n${'ab'.repeat(32)}\n`, 'not the base64 of a 32-byte hash'],
    ['a 31-byte root', `o\n5\n${Buffer.alloc(31).toString('base64')}\n`, 'not the base64 of a 32-byte hash'],
    ['unpadded base64', `o\n5\n${root.slice(0, -1)}\n`, 'not the base64 of a 32-byte hash'],
  ])('are rejected, even when validly signed, with %s', (_case, text, reason) => {
    const verdict = verifyCheckpoint(signNote(text, 'k', ledgerKey.privateKey), ledgerKey.publicKey);
    expect(verdict.ok === false && verdict.reason).toContain(reason);
  });

  it.each([
    ['an empty origin', { ...SPEC_EXAMPLE, origin: '' }],
    ['an origin of two lines', { ...SPEC_EXAMPLE, origin: 'a\nb' }],
    ['a negative size', { ...SPEC_EXAMPLE, size: -1 }],
    ['a fractional size', { ...SPEC_EXAMPLE, size: 1.5 }],
    ['a 31-byte root', { ...SPEC_EXAMPLE, rootHash: Buffer.alloc(31) }],
  ])('cannot be formatted with %s', (_case, checkpoint) => {
    expect(() => formatCheckpoint(checkpoint)).toThrow(RangeError);
  });

  it('can be read back unverified by the log that signed them, and not when malformed', () => {
    expect(readSignedCheckpoint(signed)).toEqual(SPEC_EXAMPLE);
    expect(() => readSignedCheckpoint(SPEC_EXAMPLE_TEXT)).toThrow(TypeError);
  });
});
