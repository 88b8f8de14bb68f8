import { randomBytes } from 'node:crypto';
import { CryptoErrorCode } from './crypto-error';
import type { DekContext, WrappedDek } from './key-provider';
import { LocalKeyring } from './local-keyring';
import { decryptRecord, encryptRecord, generateDek, type RecordAad } from './record-cipher';

const masterSecret = Buffer.alloc(32, 7); // synthetic, tests only
const context: DekContext = { patient: 'p-synthetic000000000000000000000a', dekVersion: 1 };
const fixedClock = () => new Date('2026-01-01T00:00:00.000Z');

describe('LocalKeyring', () => {
  it('wraps and unwraps a DEK under the current KEK', async () => {
    const keyring = LocalKeyring.create(masterSecret, { now: fixedClock });
    const dek = generateDek();
    const wrapped = await keyring.wrapDek(dek, context);
    expect(wrapped.kekVersion).toBe(1);
    await expect(keyring.unwrapDek(wrapped, context)).resolves.toEqual(dek);
  });

  it('persists as a state without plaintext keys and reloads under the same master secret', async () => {
    const keyring = LocalKeyring.create(masterSecret, { now: fixedClock });
    const dek = generateDek();
    const wrapped = await keyring.wrapDek(dek, context);
    const state = JSON.parse(JSON.stringify(keyring.state()));
    expect(state).toEqual({ versions: [{ version: 1, wrappedKek: expect.any(String), status: 'active', createdAt: '2026-01-01T00:00:00.000Z' }] });
    await expect(LocalKeyring.load(masterSecret, state).unwrapDek(wrapped, context)).resolves.toEqual(dek);
  });

  it.each<[string, (state: ReturnType<LocalKeyring['state']>) => unknown]>([
    ['another master secret', (state) => LocalKeyring.load(Buffer.alloc(32, 8), state)],
    [
      'KEK rows swapped between versions',
      (state) =>
        LocalKeyring.load(masterSecret, {
          versions: [
            { ...state.versions[0], wrappedKek: state.versions[1].wrappedKek },
            { ...state.versions[1], wrappedKek: state.versions[0].wrappedKek },
          ],
        }),
    ],
    ['a repeated version', (state) => LocalKeyring.load(masterSecret, { versions: [state.versions[0], state.versions[0]] })],
    ['no active KEK', (state) => LocalKeyring.load(masterSecret, { versions: state.versions.map((v) => ({ ...v, status: 'retired' as const })) })],
  ])('refuses to load a state under %s', async (_case, load) => {
    const keyring = LocalKeyring.create(masterSecret);
    await keyring.rotate();
    expect(() => load(keyring.state())).toThrow(expect.objectContaining({ code: CryptoErrorCode.KeyringRejected }));
  });

  it('refuses a master secret shorter than 32 bytes', () => {
    expect(() => LocalKeyring.create(Buffer.alloc(16))).toThrow(expect.objectContaining({ code: CryptoErrorCode.InvalidInput }));
  });

  const flipFirstByte = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[0] ^= 0x01;
    return bytes.toString('base64');
  };

  it.each<[string, (wrapped: WrappedDek) => WrappedDek, DekContext, CryptoErrorCode]>([
    ['relabelled to another existing KEK version', (w) => ({ ...w, kekVersion: 2 }), context, CryptoErrorCode.DekRejected],
    ['naming a KEK version that does not exist', (w) => ({ ...w, kekVersion: 9 }), context, CryptoErrorCode.UnknownKekVersion],
    ['copied to another patient', (w) => w, { ...context, patient: 'p-synthetic000000000000000000000b' }, CryptoErrorCode.DekRejected],
    ['read as another DEK version', (w) => w, { ...context, dekVersion: 2 }, CryptoErrorCode.DekRejected],
    ['with tampered bytes', (w) => ({ ...w, wrapped: flipFirstByte(w.wrapped) }), context, CryptoErrorCode.DekRejected],
    ['truncated below iv and tag', (w) => ({ ...w, wrapped: Buffer.alloc(20).toString('base64') }), context, CryptoErrorCode.DekRejected],
  ])('refuses to unwrap a DEK %s', async (_case, alter, readContext, code) => {
    const keyring = LocalKeyring.create(masterSecret);
    const wrapped = await keyring.wrapDek(generateDek(), context);
    await keyring.rotate();
    await expect(keyring.unwrapDek(alter(wrapped), readContext)).rejects.toMatchObject({ code });
  });

  describe('KEK rotation', () => {
    const aad: RecordAad = { recordId: 'rec-0001', patient: context.patient, institution: 'org-north', dekVersion: 1 };

    it('rewraps DEKs to the new KEK and leaves record ciphertexts untouched', async () => {
      const keyring = LocalKeyring.create(masterSecret);
      const dek = generateDek();
      const record = encryptRecord({ dek, plaintext: Buffer.from('synthetic record'), aad });
      const wrappedV1 = await keyring.wrapDek(dek, context);

      await expect(keyring.rotate()).resolves.toBe(2);
      await expect(keyring.currentVersion()).resolves.toBe(2);
      await expect(keyring.unwrapDek(wrappedV1, context)).resolves.toEqual(dek); // old wraps still open before rewrap
      const wrappedV2 = await keyring.rewrapDek(wrappedV1, context);
      expect(wrappedV2.kekVersion).toBe(2);
      await keyring.retire(1);

      const unwrapped = await keyring.unwrapDek(wrappedV2, context);
      expect(decryptRecord({ ...record, dek: unwrapped, aad }).toString()).toBe('synthetic record');
    });

    it('wraps new DEKs under the newest KEK', async () => {
      const keyring = LocalKeyring.create(masterSecret);
      await keyring.rotate();
      await expect(keyring.wrapDek(generateDek(), context)).resolves.toMatchObject({ kekVersion: 2 });
    });

    it('leaves a DEK already under the current KEK as it is', async () => {
      const keyring = LocalKeyring.create(masterSecret);
      const wrapped = await keyring.wrapDek(generateDek(), context);
      await expect(keyring.rewrapDek(wrapped, context)).resolves.toBe(wrapped);
    });

    it('a retired KEK no longer unwraps, and the retirement survives a reload', async () => {
      const keyring = LocalKeyring.create(masterSecret);
      const stale = await keyring.wrapDek(generateDek(), context);
      await keyring.rotate();
      await keyring.retire(1);
      await expect(keyring.unwrapDek(stale, context)).rejects.toMatchObject({ code: CryptoErrorCode.KekRetired });
      await expect(keyring.rewrapDek(stale, context)).rejects.toMatchObject({ code: CryptoErrorCode.KekRetired });
      const reloaded = LocalKeyring.load(masterSecret, keyring.state());
      await expect(reloaded.unwrapDek(stale, context)).rejects.toMatchObject({ code: CryptoErrorCode.KekRetired });
    });

    it.each<[string, number, CryptoErrorCode]>([
      ['the current KEK', 2, CryptoErrorCode.KekIsCurrent],
      ['a version that does not exist', 5, CryptoErrorCode.UnknownKekVersion],
    ])('refuses to retire %s', async (_case, version, code) => {
      const keyring = LocalKeyring.create(masterSecret);
      await keyring.rotate();
      await expect(keyring.retire(version)).rejects.toMatchObject({ code });
    });

    it('keeps version numbers growing after a retirement (a version is never reused)', async () => {
      const keyring = LocalKeyring.create(masterSecret);
      await keyring.rotate();
      await keyring.retire(1);
      await expect(keyring.rotate()).resolves.toBe(3);
      expect(keyring.state().versions.map((v) => [v.version, v.status])).toEqual([
        [1, 'retired'],
        [2, 'active'],
        [3, 'active'],
      ]);
    });
  });

  it('refuses a DEK that is not 32 bytes', async () => {
    await expect(LocalKeyring.create(masterSecret).wrapDek(randomBytes(16), context)).rejects.toMatchObject({ code: CryptoErrorCode.InvalidInput });
  });
});
