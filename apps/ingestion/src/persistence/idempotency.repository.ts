// Idempotency-Key claims: the owner working on a key under a lease it renews, the events it prepared, the first answer.
// The key is stored only as a keyed pseudonym and the body only as a keyed hash: integration engines build keys
// from message ids or MRNs.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { MedshareEvent } from '@medshare/contracts';
import { DATA_SOURCE } from '@medshare/service-kit';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** Everything a request publishes once its records are sealed: a retry after an unknown outcome publishes the same events again. */
export interface PreparedPublication {
  identity: MedshareEvent[];
  sealed: MedshareEvent[];
  /** audit.submission.v1; absent in claims prepared before it existed. */
  audit?: MedshareEvent[];
  /** Records stored as sent (the /v1/fhir alias) reserved no versions, so there is nothing to confirm. */
  unversioned?: true;
  answer: StoredAnswer;
}

export type Claim =
  /** This request owns the key: a new claim, or one taken over from an owner whose lease ran out (with what it prepared). */
  | { kind: 'claimed'; owner: string; prepared?: PreparedPublication }
  | { kind: 'answered'; answer: StoredAnswer }
  | { kind: 'in-progress' }
  | { kind: 'other-body' };

/** Which key of which institution, both as stored. */
export interface ClaimKey {
  institution: string;
  keyPseudonym: string;
}

@Injectable()
export class IdempotencyRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /**
   * Claims the key for this body, takes over a claim whose owner stopped renewing its lease (it died), or says what
   * the key holds. Lease times are the database's clock, so instances never compare their own clocks.
   */
  async claim({ institution, keyPseudonym }: ClaimKey, bodyHash: string, leaseMs: number): Promise<Claim> {
    const owner = randomUUID();
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (institution, key_pseudonym, body_hash, owner, lease_expires_at)
       VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
       ON CONFLICT (institution, key_pseudonym) DO NOTHING RETURNING 1`,
      [institution, keyPseudonym, bodyHash, owner, leaseMs],
    );
    if (inserted.length > 0) return { kind: 'claimed', owner };
    const takenOver = await this.update<{ prepared: PreparedPublication | null }>(
      `UPDATE idempotency_keys SET owner = $4, lease_expires_at = now() + $5 * interval '1 millisecond'
       WHERE institution = $1 AND key_pseudonym = $2 AND body_hash = $3 AND status IS NULL AND lease_expires_at < now()
       RETURNING prepared`,
      [institution, keyPseudonym, bodyHash, owner, leaseMs],
    );
    const [taken] = takenOver;
    if (taken !== undefined) return taken.prepared === null ? { kind: 'claimed', owner } : { kind: 'claimed', owner, prepared: taken.prepared };
    const rows: { body_hash: string; status: number | null; answer: unknown }[] = await this.dataSource.query(
      'SELECT body_hash, status, answer FROM idempotency_keys WHERE institution = $1 AND key_pseudonym = $2',
      [institution, keyPseudonym],
    );
    const row = rows[0];
    if (row === undefined) return this.claim({ institution, keyPseudonym }, bodyHash, leaseMs);
    if (row.body_hash !== bodyHash) return { kind: 'other-body' };
    if (row.status === null) return { kind: 'in-progress' };
    return { kind: 'answered', answer: { status: row.status, body: row.answer } };
  }

  /** Extends the owner's lease; false when another request has taken the claim over. */
  async renew({ institution, keyPseudonym }: ClaimKey, owner: string, leaseMs: number): Promise<boolean> {
    const renewed = await this.update(
      `UPDATE idempotency_keys SET lease_expires_at = now() + $4 * interval '1 millisecond'
       WHERE institution = $1 AND key_pseudonym = $2 AND owner = $3 AND status IS NULL RETURNING 1`,
      [institution, keyPseudonym, owner, leaseMs],
    );
    return renewed.length > 0;
  }

  /**
   * Stores what the owner is about to publish, only while its lease holds: false means the claim was taken over and
   * this request must publish nothing (the new owner publishes).
   */
  async prepare({ institution, keyPseudonym }: ClaimKey, owner: string, prepared: PreparedPublication, leaseMs: number): Promise<boolean> {
    const stored = await this.update(
      `UPDATE idempotency_keys SET prepared = $4, lease_expires_at = now() + $5 * interval '1 millisecond'
       WHERE institution = $1 AND key_pseudonym = $2 AND owner = $3 AND status IS NULL AND lease_expires_at > now() RETURNING 1`,
      [institution, keyPseudonym, owner, JSON.stringify(prepared), leaseMs],
    );
    return stored.length > 0;
  }

  async answer({ institution, keyPseudonym }: ClaimKey, answer: StoredAnswer): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET status = $3, answer = $4, answered_at = now(), owner = NULL, lease_expires_at = NULL, prepared = NULL
       WHERE institution = $1 AND key_pseudonym = $2 AND status IS NULL`,
      [institution, keyPseudonym, answer.status, JSON.stringify(answer.body)],
    );
  }

  /**
   * After a failure: a claim that prepared nothing changed nothing and is freed (the retry is judged again); one whose
   * publication may have happened keeps what it prepared and expires now, so the retry publishes the same events.
   */
  async abandon({ institution, keyPseudonym }: ClaimKey, owner: string): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM idempotency_keys WHERE institution = $1 AND key_pseudonym = $2 AND owner = $3 AND status IS NULL AND prepared IS NULL',
      [institution, keyPseudonym, owner],
    );
    await this.dataSource.query(
      'UPDATE idempotency_keys SET lease_expires_at = now() WHERE institution = $1 AND key_pseudonym = $2 AND owner = $3 AND status IS NULL',
      [institution, keyPseudonym, owner],
    );
  }

  /** An UPDATE's RETURNING rows: TypeORM answers an UPDATE with [rows, affected count]. */
  private async update<T = unknown>(sql: string, parameters: unknown[]): Promise<T[]> {
    const [rows] = (await this.dataSource.query(sql, parameters)) as [T[], number];
    return rows;
  }
}
