// Per-patient data keys: one DEK per patient, created on first use under the current KEK, unwrapped per batch.
import { Inject, Injectable } from '@nestjs/common';
import { generateDek } from '@medshare/crypto';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import { masterSecretOf, type EncryptionConfig } from '../config';
import { KeyStoreRepository, type DekRow } from './key-store.repository';

export type PatientKey = { kind: 'live'; patient: string; dekId: string; dekVersion: number; dek: Buffer } | { kind: 'erased'; patient: string };

/** dekId names the patient's DEK and its version, e.g. `p-abc….1`; the version is part of every record's AAD. */
export function dekIdOf(patient: string, dekVersion: number): string {
  return `${patient}.${dekVersion}`;
}

export function dekVersionOf(dekId: string): number {
  return Number(dekId.slice(dekId.lastIndexOf('.') + 1));
}

@Injectable()
export class PatientKeys {
  private readonly masterSecret: Buffer;

  constructor(
    private readonly store: KeyStoreRepository,
    @Inject(SERVICE_CONFIG) config: EncryptionConfig,
  ) {
    this.masterSecret = masterSecretOf(config);
  }

  /** Keys of these patients; with `create`, a patient seen for the first time gets a new DEK. Absent = no DEK and not created. */
  async keysOf(patients: readonly string[], options: { create: boolean }): Promise<Map<string, PatientKey>> {
    let { keyring, deks } = await this.store.snapshot(this.masterSecret, patients);
    const missing = [...new Set(patients)].filter((patient) => !deks.has(patient));
    if (options.create && missing.length > 0) {
      await this.store.withKeyring('shared', this.masterSecret, async (current, tx) => {
        const rows: DekRow[] = [];
        for (const patient of missing) {
          const dek = generateDek();
          const wrapped = await current.wrapDek(dek, { patient, dekVersion: 1 });
          dek.fill(0);
          rows.push({ patient, dekVersion: 1, kekVersion: wrapped.kekVersion, wrapped: wrapped.wrapped });
        }
        await this.store.insertDeks(tx, rows);
      });
      ({ keyring, deks } = await this.store.snapshot(this.masterSecret, patients));
    }
    const keys = new Map<string, PatientKey>();
    for (const row of deks.values()) {
      if (row.wrapped === null || row.kekVersion === null) {
        keys.set(row.patient, { kind: 'erased', patient: row.patient });
        continue;
      }
      const dek = await keyring.unwrapDek({ kekVersion: row.kekVersion, wrapped: row.wrapped }, { patient: row.patient, dekVersion: row.dekVersion });
      keys.set(row.patient, { kind: 'live', patient: row.patient, dekId: dekIdOf(row.patient, row.dekVersion), dekVersion: row.dekVersion, dek });
    }
    return keys;
  }
}
