// KEKs, per-patient DEKs and sealing keys in PostgreSQL. Nothing here is plaintext key material: KEKs and sealing
// private keys are wrapped under the master secret, DEKs under a KEK. Key changes serialise on one advisory lock.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { LocalKeyring, type KekRecord, type LocalKeyringState } from '@medshare/crypto';
import { DATA_SOURCE } from '@medshare/service-kit';

export interface DekRow {
  patient: string;
  dekVersion: number;
  kekVersion: number | null;
  /** Null once shredded. */
  wrapped: string | null;
}

export interface SealingKeyRow {
  keyId: string;
  publicKey: string;
  wrappedPrivateKey: string;
  announced: boolean;
}

/** 'exclusive' for KEK rotation; 'shared' for work that must not interleave with it (new DEKs, shredding). */
export type KeyLock = 'shared' | 'exclusive';

const KEYRING_LOCK = 'medshare-encryption:keyring';

@Injectable()
export class KeyStoreRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction holding the keyring lock, with the keyring as stored; persists its state after. */
  async withKeyring<T>(lock: KeyLock, masterSecret: Uint8Array, work: (keyring: LocalKeyring, tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(lock === 'exclusive' ? 'SELECT pg_advisory_xact_lock(hashtext($1))' : 'SELECT pg_advisory_xact_lock_shared(hashtext($1))', [KEYRING_LOCK]);
      const state = await this.keyringState(tx);
      const keyring = state.versions.length === 0 ? LocalKeyring.create(masterSecret) : LocalKeyring.load(masterSecret, state);
      const result = await work(keyring, tx);
      for (const record of keyring.state().versions) {
        await tx.query(
          `INSERT INTO keks (version, wrapped_kek, status, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (version) DO UPDATE SET status = EXCLUDED.status`,
          [record.version, record.wrappedKek, record.status, record.createdAt],
        );
      }
      return result;
    });
  }

  /** The keyring and the patients' DEK rows from one consistent snapshot (a rotation commits wholly before or after). */
  async snapshot(masterSecret: Uint8Array, patients: readonly string[]): Promise<{ keyring: LocalKeyring; deks: Map<string, DekRow> }> {
    return this.dataSource.transaction('REPEATABLE READ', async (tx) => {
      const keyring = LocalKeyring.load(masterSecret, await this.keyringState(tx));
      return { keyring, deks: await this.deksOf(patients, tx) };
    });
  }

  async deksOf(patients: readonly string[], tx: EntityManager = this.dataSource.manager): Promise<Map<string, DekRow>> {
    if (patients.length === 0) return new Map();
    const rows: { patient: string; dek_version: number; kek_version: number | null; wrapped_dek: string | null }[] = await tx.query(
      'SELECT patient, dek_version, kek_version, wrapped_dek FROM deks WHERE patient = ANY($1::text[])',
      [[...new Set(patients)]],
    );
    return new Map(
      rows.map((row) => [row.patient, { patient: row.patient, dekVersion: row.dek_version, kekVersion: row.kek_version, wrapped: row.wrapped_dek }]),
    );
  }

  async insertDeks(tx: EntityManager, rows: readonly DekRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO deks (patient, dek_version, kek_version, wrapped_dek)
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]) ON CONFLICT (patient) DO NOTHING`,
      [rows.map((row) => row.patient), rows.map((row) => row.dekVersion), rows.map((row) => row.kekVersion), rows.map((row) => row.wrapped)],
    );
  }

  async liveDeks(tx: EntityManager): Promise<DekRow[]> {
    const rows: { patient: string; dek_version: number; kek_version: number; wrapped_dek: string }[] = await tx.query(
      'SELECT patient, dek_version, kek_version, wrapped_dek FROM deks WHERE wrapped_dek IS NOT NULL FOR UPDATE',
    );
    return rows.map((row) => ({ patient: row.patient, dekVersion: row.dek_version, kekVersion: row.kek_version, wrapped: row.wrapped_dek }));
  }

  async rewrapDeks(tx: EntityManager, rows: readonly DekRow[]): Promise<void> {
    const chunk = 5000;
    for (let start = 0; start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      await tx.query(
        `UPDATE deks SET kek_version = u.kek_version, wrapped_dek = u.wrapped_dek
         FROM unnest($1::text[], $2::int[], $3::text[]) AS u(patient, kek_version, wrapped_dek)
         WHERE deks.patient = u.patient AND deks.shredded_at IS NULL`,
        [part.map((row) => row.patient), part.map((row) => row.kekVersion), part.map((row) => row.wrapped)],
      );
    }
  }

  /** Destroys the patient's DEK (or records a tombstone when there was none yet); returns how many were destroyed. */
  async shred(tx: EntityManager, patient: string): Promise<number> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [destroyed]: [unknown[], number] = await tx.query(
      `UPDATE deks SET wrapped_dek = NULL, kek_version = NULL, shredded_at = now() WHERE patient = $1 AND shredded_at IS NULL RETURNING patient`,
      [patient],
    );
    await tx.query(
      `INSERT INTO deks (patient, dek_version, kek_version, wrapped_dek, shredded_at) VALUES ($1, 1, NULL, NULL, now()) ON CONFLICT (patient) DO NOTHING`,
      [patient],
    );
    return destroyed.length;
  }

  async dekCountsByKek(): Promise<Record<string, number>> {
    const rows: { kek_version: number | null; count: string }[] = await this.dataSource.query(
      'SELECT kek_version, count(*) AS count FROM deks GROUP BY kek_version',
    );
    return Object.fromEntries(rows.map((row) => [row.kek_version === null ? 'shredded' : String(row.kek_version), Number(row.count)]));
  }

  async sealingKeys(): Promise<SealingKeyRow[]> {
    const rows: { key_id: string; public_key: string; wrapped_private_key: string; announced_at: Date | null }[] = await this.dataSource.query(
      'SELECT key_id, public_key, wrapped_private_key, announced_at FROM sealing_keys ORDER BY created_at, key_id',
    );
    return rows.map((row) => ({
      keyId: row.key_id,
      publicKey: row.public_key,
      wrappedPrivateKey: row.wrapped_private_key,
      announced: row.announced_at !== null,
    }));
  }

  async addSealingKey(row: Omit<SealingKeyRow, 'announced'>): Promise<void> {
    await this.dataSource.query('INSERT INTO sealing_keys (key_id, public_key, wrapped_private_key) VALUES ($1, $2, $3)', [
      row.keyId,
      row.publicKey,
      row.wrappedPrivateKey,
    ]);
  }

  async markAnnounced(keyId: string): Promise<void> {
    await this.dataSource.query('UPDATE sealing_keys SET announced_at = now() WHERE key_id = $1', [keyId]);
  }

  async keyringStatus(): Promise<KekRecord[]> {
    return (await this.keyringState(this.dataSource.manager)).versions;
  }

  private async keyringState(tx: EntityManager): Promise<LocalKeyringState> {
    const rows: { version: number; wrapped_kek: string; status: 'active' | 'retired'; created_at: Date }[] = await tx.query(
      'SELECT version, wrapped_kek, status, created_at FROM keks ORDER BY version',
    );
    return {
      versions: rows.map((row) => ({
        version: row.version,
        wrappedKek: row.wrapped_kek,
        status: row.status,
        createdAt: new Date(row.created_at).toISOString(),
      })),
    };
  }
}
