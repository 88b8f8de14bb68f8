// The pure rules of per-patient data keys: naming, which patients need a new DEK, and unwrapping stored rows into
// keys, where a shredded patient's tombstone becomes "erased" and never a new DEK.
import { generateDek, type KeyProvider } from '@medshare/crypto';
import type { DekRow } from './key-store.repository';

export type PatientKey = { kind: 'live'; patient: string; dekId: string; dekVersion: number; dek: Buffer } | { kind: 'erased'; patient: string };

/** dekId names the patient's DEK and its version, e.g. `p-abc….1`; the version is part of every record's AAD. */
export function dekIdOf(patient: string, dekVersion: number): string {
  return `${patient}.${dekVersion}`;
}

export function dekVersionOf(dekId: string): number {
  return Number(dekId.slice(dekId.lastIndexOf('.') + 1));
}

/** Patients with no DEK row at all, once each: a tombstone is a row, so a shredded patient is never given a new DEK. */
export function patientsWithoutDek(patients: readonly string[], deks: ReadonlyMap<string, DekRow>): string[] {
  return [...new Set(patients)].filter((patient) => !deks.has(patient));
}

/** A first DEK (version 1) per patient, wrapped under the keyring's current KEK; the plaintext DEK is wiped at once. */
export async function wrapNewDeks(keyring: KeyProvider, patients: readonly string[]): Promise<DekRow[]> {
  const rows: DekRow[] = [];
  for (const patient of patients) {
    const dek = generateDek();
    const wrapped = await keyring.wrapDek(dek, { patient, dekVersion: 1 });
    dek.fill(0);
    rows.push({ patient, dekVersion: 1, kekVersion: wrapped.kekVersion, wrapped: wrapped.wrapped });
  }
  return rows;
}

/** Live keys for wrapped rows, "erased" for tombstones (no wrapped DEK left). */
export async function unwrapPatientKeys(keyring: KeyProvider, rows: Iterable<DekRow>): Promise<Map<string, PatientKey>> {
  const keys = new Map<string, PatientKey>();
  for (const row of rows) {
    if (row.wrapped === null || row.kekVersion === null) {
      keys.set(row.patient, { kind: 'erased', patient: row.patient });
      continue;
    }
    const dek = await keyring.unwrapDek({ kekVersion: row.kekVersion, wrapped: row.wrapped }, { patient: row.patient, dekVersion: row.dekVersion });
    keys.set(row.patient, { kind: 'live', patient: row.patient, dekId: dekIdOf(row.patient, row.dekVersion), dekVersion: row.dekVersion, dek });
  }
  return keys;
}
