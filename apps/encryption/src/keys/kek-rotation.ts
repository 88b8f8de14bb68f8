// The pure part of KEK rotation: rewrap every live DEK under the keyring's current KEK, then name the KEK versions
// to retire (every other active one), so no DEK is left wrapped by a retired KEK.
import type { KekRecord, KeyProvider } from '@medshare/crypto';
import type { DekRow } from './key-store.repository';

/** Live DEK rows (wrapped, not shredded) rewrapped under the current KEK; the DEK itself and the records stay the same. */
export async function rewrapLiveDeks(keyring: KeyProvider, live: readonly DekRow[]): Promise<DekRow[]> {
  const rewrapped: DekRow[] = [];
  for (const row of live) {
    const wrapped = await keyring.rewrapDek(
      { kekVersion: row.kekVersion as number, wrapped: row.wrapped as string },
      { patient: row.patient, dekVersion: row.dekVersion },
    );
    rewrapped.push({ ...row, kekVersion: wrapped.kekVersion, wrapped: wrapped.wrapped });
  }
  return rewrapped;
}

/** Every active KEK version but the current one: safe to retire once every live DEK was rewrapped. */
export function kekVersionsToRetire(versions: readonly KekRecord[], current: number): number[] {
  return versions.filter((record) => record.status === 'active' && record.version !== current).map((record) => record.version);
}
