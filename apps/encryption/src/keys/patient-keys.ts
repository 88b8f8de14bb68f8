// Per-patient data keys: one DEK per patient, created on first use under the current KEK, unwrapped per batch.
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import { masterSecretOf, type EncryptionConfig } from '../config';
import { patientsWithoutDek, unwrapPatientKeys, wrapNewDeks, type PatientKey } from './data-keys';
import { KeyStoreRepository } from './key-store.repository';

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
    const missing = patientsWithoutDek(patients, deks);
    if (options.create && missing.length > 0) {
      // Re-read under the keyring lock, in the same transaction: a concurrent creator's DEK wins, and no rotation can
      // interleave, so this keyring and these rows are as consistent as a fresh snapshot (one transaction fewer).
      ({ keyring, deks } = await this.store.withKeyring('shared', this.masterSecret, async (current, tx) => {
        await this.store.insertDeks(tx, await wrapNewDeks(current, missing));
        return { keyring: current, deks: await this.store.deksOf(patients, tx) };
      }));
    }
    return unwrapPatientKeys(keyring, deks.values());
  }
}
