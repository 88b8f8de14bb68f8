import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { CryptoErrorCode } from './crypto-error';
import { HpkeOpenError, hpkeOpen, hpkeSeal, x25519PrivateKey, x25519PublicRaw } from './hpke';
import {
  SEALED_BOX_SUITE,
  generateSealingKeyPair,
  openRecordGroup,
  openSealedBox,
  sealForEncryptionService,
  sealRecordGroup,
  type SealedBox,
} from './sealed-box';

const hex = (text: string) => Buffer.from(text, 'hex');
const utf8 = (text: string) => new TextEncoder().encode(text);
const AAD = utf8('medshare.ingest.sealed.v1|org-north|req-0001');

// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base, sequence 0.
// (Beware older drafts' test-vectors.json: their DeriveKeyPair differs and their values do not match the RFC.)
// The RFC publishes no X25519 + AES-256-GCM vector: the vector pins medshare's KEM, key schedule and AEAD code path
// (AES-128 differs only in the key length) and @hpke/core's, and @hpke/core (an independent implementation) then
// checks medshare's AES-256-GCM boxes both ways.
const A1 = {
  info: hex('4f6465206f6e2061204772656369616e2055726e'),
  ikmE: hex('7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234'),
  ikmR: hex('6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037'),
  skRm: hex('4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8'),
  pkRm: hex('3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d'),
  enc: hex('37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431'),
  aad: hex('436f756e742d30'),
  pt: hex('4265617574792069732074727574682c20747275746820626561757479'),
  ct: hex('f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a'),
};

const A1_SKEM = hex('52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736');

describe('HPKE conformance', () => {
  const aes128Suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  const aes256Suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  const recipientA1 = { privateKey: x25519PrivateKey(A1.skRm), publicRaw: x25519PublicRaw(x25519PrivateKey(A1.skRm)) };

  it('the reference library derives the RFC 9180 A.1 recipient key pair from its ikm', async () => {
    const pair = await aes128Suite.kem.deriveKeyPair(A1.ikmR);
    expect(Buffer.from(await aes128Suite.kem.serializePublicKey(pair.publicKey))).toEqual(A1.pkRm);
    expect(Buffer.from(await aes128Suite.kem.serializePrivateKey(pair.privateKey))).toEqual(A1.skRm);
  });

  it('the reference library reproduces the RFC 9180 A.1 enc and ciphertext from the vector ephemeral ikm', async () => {
    const recipientPublicKey = await aes128Suite.kem.deserializePublicKey(A1.pkRm);
    const sealed = await aes128Suite.seal({ recipientPublicKey, info: A1.info, ekm: A1.ikmE }, A1.pt, A1.aad);
    expect(Buffer.from(sealed.enc)).toEqual(A1.enc);
    expect(Buffer.from(sealed.ct)).toEqual(A1.ct);
  });

  it('medshare HPKE reproduces the RFC 9180 A.1 enc and ciphertext with the vector ephemeral key, and opens it', () => {
    expect(recipientA1.publicRaw).toEqual(A1.pkRm);
    const sealed = hpkeSeal(A1.pkRm, A1.info, A1.aad, A1.pt, 'aes-128-gcm', A1_SKEM);
    expect(sealed).toEqual({ enc: A1.enc, ct: A1.ct });
    expect(hpkeOpen(recipientA1, A1.enc, A1.info, A1.aad, A1.ct, 'aes-128-gcm')).toEqual(A1.pt);
  });

  it.each([
    ['a flipped ciphertext byte', (ct: Buffer) => Buffer.concat([Buffer.from([ct[0] ^ 1]), ct.subarray(1)]), A1.aad],
    ['another AAD', (ct: Buffer) => ct, hex('436f756e742d31')],
  ])('medshare HPKE refuses the RFC 9180 A.1 ciphertext with %s', (_case, alter, aad) => {
    expect(() => hpkeOpen(recipientA1, A1.enc, A1.info, aad, alter(A1.ct), 'aes-128-gcm')).toThrow(HpkeOpenError);
  });

  it('refuses an enc that is the zero point (RFC 9180 §7.1.4: all-zero key agreement)', () => {
    expect(() => hpkeOpen(recipientA1, Buffer.alloc(32), A1.info, A1.aad, A1.ct, 'aes-128-gcm')).toThrow(HpkeOpenError);
  });

  it('a medshare sealed box (X25519/HKDF-SHA256/AES-256-GCM) opens with the reference library, and its boxes open here', async () => {
    const keys = generateSealingKeyPair();
    const info = utf8('medshare.sealed-box.v1');
    const box = await sealForEncryptionService(keys.publicKeyB64, keys.keyId, utf8('[{"resourceType":"Patient"}]'), AAD);
    const recipientKey = await aes256Suite.kem.importKey('raw', Buffer.from(keys.privateKeyB64, 'base64'), false);
    const opened = await aes256Suite.open({ recipientKey, enc: Buffer.from(box.enc, 'base64'), info }, Buffer.from(box.ciphertext, 'base64'), AAD);
    expect(Buffer.from(opened).toString()).toBe('[{"resourceType":"Patient"}]');

    const recipientPublicKey = await aes256Suite.kem.deserializePublicKey(Buffer.from(keys.publicKeyB64, 'base64'));
    const theirs = await aes256Suite.seal({ recipientPublicKey, info }, utf8('sealed by the reference'), AAD);
    const theirBox = {
      suite: SEALED_BOX_SUITE,
      keyId: keys.keyId,
      enc: Buffer.from(theirs.enc).toString('base64'),
      ciphertext: Buffer.from(theirs.ct).toString('base64'),
    };
    expect(Buffer.from(await openSealedBox({ [keys.keyId]: keys.privateKeyB64 }, theirBox, AAD)).toString()).toBe('sealed by the reference');
  });
});

describe('sealed boxes', () => {
  const current = generateSealingKeyPair();
  const previous = generateSealingKeyPair();
  const keyring = { [current.keyId]: current.privateKeyB64, [previous.keyId]: previous.privateKeyB64 };
  const records = [
    { resourceType: 'Patient', id: 'pat-synthetic-1' },
    { resourceType: 'Observation', id: 'obs-synthetic-1', status: 'final' },
  ];

  it('round-trips a patient group of records in one box', async () => {
    const box = await sealRecordGroup(current.publicKeyB64, current.keyId, records, AAD);
    expect(box).toEqual({ suite: 'X25519-HKDF-SHA256/AES-256-GCM', keyId: current.keyId, enc: expect.any(String), ciphertext: expect.any(String) });
    await expect(openRecordGroup(keyring, box, AAD)).resolves.toEqual(records);
  });

  it('names the key it was sealed to, so a box sealed before rotation still opens with the retained key', async () => {
    const oldBox = await sealForEncryptionService(previous.publicKeyB64, previous.keyId, utf8('sealed before rotation'), AAD);
    const newBox = await sealForEncryptionService(current.publicKeyB64, current.keyId, utf8('sealed after rotation'), AAD);
    expect(oldBox.keyId).toBe(previous.keyId);
    expect(Buffer.from(await openSealedBox(keyring, oldBox, AAD)).toString()).toBe('sealed before rotation');
    expect(Buffer.from(await openSealedBox(keyring, newBox, AAD)).toString()).toBe('sealed after rotation');
  });

  it('uses a fresh ephemeral key per box: the same plaintext never seals to the same bytes', async () => {
    const a = await sealForEncryptionService(current.publicKeyB64, current.keyId, utf8('same'), AAD);
    const b = await sealForEncryptionService(current.publicKeyB64, current.keyId, utf8('same'), AAD);
    expect(a.enc).not.toBe(b.enc);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  const flipLastByte = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[bytes.length - 1] ^= 0x01;
    return bytes.toString('base64');
  };
  const flipFirstByte = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[0] ^= 0x01;
    return bytes.toString('base64');
  };

  it.each<[string, (box: SealedBox) => SealedBox, Uint8Array, CryptoErrorCode]>([
    ['wrong AAD (box replayed into another request)', (box) => box, utf8('medshare.ingest.sealed.v1|org-north|req-0002'), CryptoErrorCode.SealedBoxRejected],
    ['tampered ciphertext body', (box) => ({ ...box, ciphertext: flipFirstByte(box.ciphertext) }), AAD, CryptoErrorCode.SealedBoxRejected],
    ['tampered tag', (box) => ({ ...box, ciphertext: flipLastByte(box.ciphertext) }), AAD, CryptoErrorCode.SealedBoxRejected],
    ['tampered enc', (box) => ({ ...box, enc: flipFirstByte(box.enc) }), AAD, CryptoErrorCode.SealedBoxRejected],
    ['relabelled to another key of the keyring (wrong key)', (box) => ({ ...box, keyId: previous.keyId }), AAD, CryptoErrorCode.SealedBoxRejected],
    ['a key id the keyring does not hold', (box) => ({ ...box, keyId: '0000000000000000' }), AAD, CryptoErrorCode.UnknownSealingKey],
    ['truncated enc', (box) => ({ ...box, enc: box.enc.slice(0, 20) }), AAD, CryptoErrorCode.InvalidInput],
    ['base64 with junk characters', (box) => ({ ...box, ciphertext: `${box.ciphertext}!` }), AAD, CryptoErrorCode.InvalidInput],
    ['another suite', (box) => ({ ...box, suite: 'X25519-HKDF-SHA256/AES-128-GCM' as SealedBox['suite'] }), AAD, CryptoErrorCode.InvalidInput],
  ])('refuses to open a box with %s', async (_case, alter, aad, code) => {
    const box = await sealRecordGroup(current.publicKeyB64, current.keyId, records, AAD);
    await expect(openSealedBox(keyring, alter(box), aad)).rejects.toMatchObject({ code });
  });

  it.each<[string, string]>([
    ['not JSON', 'not json'],
    ['a JSON object instead of an array', '{"resourceType":"Patient"}'],
  ])('refuses to read a sealed record group that is %s', async (_case, content) => {
    const box = await sealForEncryptionService(current.publicKeyB64, current.keyId, utf8(content), AAD);
    await expect(openRecordGroup(keyring, box, AAD)).rejects.toMatchObject({ code: CryptoErrorCode.InvalidInput });
  });

  it('a sender holding only the public key cannot open what it sealed', async () => {
    const box = await sealRecordGroup(current.publicKeyB64, current.keyId, records, AAD);
    const sendersKeyring = { [current.keyId]: current.publicKeyB64 };
    await expect(openSealedBox(sendersKeyring, box, AAD)).rejects.toMatchObject({ code: CryptoErrorCode.SealingKeyMismatch });
    await expect(openSealedBox({}, box, AAD)).rejects.toMatchObject({ code: CryptoErrorCode.UnknownSealingKey });
  });

  it('refuses to seal under a key id that does not name the public key', async () => {
    await expect(sealForEncryptionService(current.publicKeyB64, previous.keyId, utf8('x'), AAD)).rejects.toMatchObject({
      code: CryptoErrorCode.SealingKeyMismatch,
    });
  });

  it('refuses a keyring entry whose private key belongs to another key id', async () => {
    const box = await sealForEncryptionService(current.publicKeyB64, current.keyId, utf8('x'), AAD);
    await expect(openSealedBox({ [current.keyId]: previous.privateKeyB64 }, box, AAD)).rejects.toMatchObject({
      code: CryptoErrorCode.SealingKeyMismatch,
    });
  });

  it('keeps plaintext out of the box', async () => {
    const box = await sealRecordGroup(current.publicKeyB64, current.keyId, [{ name: 'CANARY-SYNTHETIC-NAME' }], AAD);
    expect(JSON.stringify(box)).not.toContain('CANARY');
    expect(Buffer.from(box.ciphertext, 'base64').toString('latin1')).not.toContain('CANARY');
  });
});
