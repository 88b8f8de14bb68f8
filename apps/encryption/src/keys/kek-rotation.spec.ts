import { randomBytes } from 'node:crypto';
import { CryptoErrorCode, LocalKeyring, type KekRecord } from '@medshare/crypto';
import { unwrapPatientKeys, wrapNewDeks } from './data-keys';
import { kekVersionsToRetire, rewrapLiveDeks } from './kek-rotation';

const masterSecret = randomBytes(32);
const patients = ['p-aaaaaaaaaaaaaaaa234567', 'p-bbbbbbbbbbbbbbbb234567', 'p-cccccccccccccccc234567'];
const kek = (version: number, status: KekRecord['status']): KekRecord => ({ version, status, wrappedKek: 'wrapped', createdAt: '2026-01-01T00:00:00.000Z' });
const liveDeks = async (keyring: LocalKeyring, rows: Awaited<ReturnType<typeof wrapNewDeks>>) =>
  new Map([...(await unwrapPatientKeys(keyring, rows))].map(([patient, key]) => [patient, key.kind === 'live' ? key.dek.toString('hex') : 'erased']));

describe('which KEK versions a rotation retires', () => {
  it.each<[string, KekRecord[], number, number[]]>([
    ['the first rotation retires version 1', [kek(1, 'active'), kek(2, 'active')], 2, [1]],
    ['an already retired version is not retired again', [kek(1, 'retired'), kek(2, 'active'), kek(3, 'active')], 3, [2]],
    ['every older active version is retired, e.g. after an interrupted rotation', [kek(1, 'active'), kek(2, 'active'), kek(3, 'active')], 3, [1, 2]],
    ['the current version alone retires nothing', [kek(1, 'active')], 1, []],
  ])('%s', (_case, versions, current, expected) => {
    expect(kekVersionsToRetire(versions, current)).toEqual(expected);
  });
});

describe('rotating the KEK', () => {
  it('rewraps every live DEK under the new KEK, keeps each DEK the same, and leaves none under a retired KEK', async () => {
    const keyring = LocalKeyring.create(masterSecret);
    const before = await wrapNewDeks(keyring, patients);
    const dekBefore = await liveDeks(keyring, before);

    const current = await keyring.rotate();
    const after = await rewrapLiveDeks(keyring, before);
    const retired = kekVersionsToRetire(keyring.state().versions, current);
    for (const version of retired) await keyring.retire(version);

    expect(current).toBe(2);
    expect(retired).toEqual([1]);
    expect(after.map((row) => [row.patient, row.dekVersion, row.kekVersion])).toEqual(patients.map((patient) => [patient, 1, 2]));
    expect(await liveDeks(keyring, after)).toEqual(dekBefore);
    // The old wraps are dead: a copy of the deks table from before the rotation no longer opens anything.
    await expect(unwrapPatientKeys(keyring, before.slice(0, 1))).rejects.toMatchObject({ code: CryptoErrorCode.KekRetired });
  });

  it('rewraps nothing when there are no live DEKs (every patient shredded or none yet)', async () => {
    const keyring = LocalKeyring.create(masterSecret);
    await keyring.rotate();
    expect(await rewrapLiveDeks(keyring, [])).toEqual([]);
  });

  it('survives the keyring being persisted and loaded between rotation and use', async () => {
    const keyring = LocalKeyring.create(masterSecret);
    const before = await wrapNewDeks(keyring, patients);
    const dekBefore = await liveDeks(keyring, before);
    const current = await keyring.rotate();
    const after = await rewrapLiveDeks(keyring, before);
    for (const version of kekVersionsToRetire(keyring.state().versions, current)) await keyring.retire(version);
    const reloaded = LocalKeyring.load(masterSecret, keyring.state());
    expect(await liveDeks(reloaded, after)).toEqual(dekBefore);
  });
});
