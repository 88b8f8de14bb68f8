import { randomBytes } from 'node:crypto';
import { CryptoErrorCode, LocalKeyring } from '@medshare/crypto';
import { dekIdOf, dekVersionOf, patientsWithoutDek, unwrapPatientKeys, wrapNewDeks } from './data-keys';
import type { DekRow } from './key-store.repository';

const masterSecret = randomBytes(32);
const ALICE = 'p-aaaaaaaaaaaaaaaa234567';
const BOB = 'p-bbbbbbbbbbbbbbbb234567';
const CAROL = 'p-cccccccccccccccc234567';
const tombstone = (patient: string): DekRow => ({ patient, dekVersion: 1, kekVersion: null, wrapped: null });

describe('DEK ids', () => {
  it.each<[string, string, number]>([
    ['version 1', ALICE, 1],
    ['a two-digit version', BOB, 12],
  ])('round-trips the DEK version of %s', (_case, patient, version) => {
    expect(dekIdOf(patient, version)).toBe(`${patient}.${version}`);
    expect(dekVersionOf(dekIdOf(patient, version))).toBe(version);
  });
});

describe('which patients get a new DEK', () => {
  const deks = new Map<string, DekRow>([
    [ALICE, { patient: ALICE, dekVersion: 1, kekVersion: 1, wrapped: 'wrapped' }],
    [BOB, tombstone(BOB)],
  ]);
  it.each<[string, string[], string[]]>([
    ['a patient seen for the first time gets one', [CAROL], [CAROL]],
    ['a patient with a live DEK does not', [ALICE], []],
    ['a shredded patient (tombstone) never gets one again', [BOB], []],
    ['a patient named twice in a batch gets one, once', [CAROL, ALICE, CAROL], [CAROL]],
  ])('%s', (_case, patients, expected) => {
    expect(patientsWithoutDek(patients, deks)).toEqual(expected);
  });
});

describe('wrapping and unwrapping patient keys', () => {
  it('wraps a version-1 DEK per new patient under the current KEK, and unwraps each to a live key named by its dekId', async () => {
    const keyring = LocalKeyring.create(masterSecret);
    const rows = await wrapNewDeks(keyring, [ALICE, BOB]);
    expect(rows.map(({ patient, dekVersion, kekVersion }) => ({ patient, dekVersion, kekVersion }))).toEqual([
      { patient: ALICE, dekVersion: 1, kekVersion: 1 },
      { patient: BOB, dekVersion: 1, kekVersion: 1 },
    ]);
    const keys = await unwrapPatientKeys(keyring, rows);
    expect(keys.get(ALICE)).toMatchObject({ kind: 'live', dekId: `${ALICE}.1`, dekVersion: 1 });
    const [alice, bob] = [keys.get(ALICE), keys.get(BOB)];
    expect(alice?.kind === 'live' && bob?.kind === 'live' && alice.dek.equals(bob.dek)).toBe(false);
  });

  it('answers erased for a tombstone and live for the others in the same batch', async () => {
    const keyring = LocalKeyring.create(masterSecret);
    const [alice] = await wrapNewDeks(keyring, [ALICE]);
    const keys = await unwrapPatientKeys(keyring, [alice, tombstone(BOB)]);
    expect(keys.get(BOB)).toEqual({ kind: 'erased', patient: BOB });
    expect(keys.get(ALICE)?.kind).toBe('live');
  });

  it.each<[string, (row: DekRow) => DekRow]>([
    ['a wrapped DEK copied onto another patient', (row) => ({ ...row, patient: CAROL })],
    ['a wrapped DEK relabelled to another DEK version', (row) => ({ ...row, dekVersion: 2 })],
  ])('refuses %s', async (_case, tamper) => {
    const keyring = LocalKeyring.create(masterSecret);
    const [alice] = await wrapNewDeks(keyring, [ALICE]);
    await expect(unwrapPatientKeys(keyring, [tamper(alice)])).rejects.toMatchObject({ code: CryptoErrorCode.DekRejected });
  });
});
