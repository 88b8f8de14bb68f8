// Idempotency-Key records: the first answer to a key, and a hash binding it to the body it answered.
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'answered'; answer: StoredAnswer }
  | { kind: 'in-progress' }
  | { kind: 'other-body' };

/** Keyed by the institution's own key, hash of the body: the body itself is never stored. */
export function requestHash(institution: string, key: string, body: Buffer): string {
  return createHash('sha256').update(`${institution}\0${key}\0`).update(body).digest('hex');
}

@Injectable()
export class IdempotencyRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Claims the key for this body, or says what the key already holds. */
  async claim(institution: string, key: string, bodyHash: string): Promise<Claim> {
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (institution, idempotency_key, body_hash) VALUES ($1, $2, $3)
       ON CONFLICT (institution, idempotency_key) DO NOTHING RETURNING 1`,
      [institution, key, bodyHash],
    );
    if (inserted.length > 0) return { kind: 'claimed' };
    const rows: { body_hash: string; status: number | null; answer: unknown }[] = await this.dataSource.query(
      'SELECT body_hash, status, answer FROM idempotency_keys WHERE institution = $1 AND idempotency_key = $2',
      [institution, key],
    );
    const row = rows[0];
    if (row === undefined) return this.claim(institution, key, bodyHash);
    if (row.body_hash !== bodyHash) return { kind: 'other-body' };
    if (row.status === null) return { kind: 'in-progress' };
    return { kind: 'answered', answer: { status: row.status, body: row.answer } };
  }

  async answer(institution: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.dataSource.query('UPDATE idempotency_keys SET status = $3, answer = $4, answered_at = now() WHERE institution = $1 AND idempotency_key = $2', [
      institution,
      key,
      answer.status,
      JSON.stringify(answer.body),
    ]);
  }

  /** Frees the key after a failure that changed nothing, so the caller can retry it. */
  async release(institution: string, key: string): Promise<void> {
    await this.dataSource.query('DELETE FROM idempotency_keys WHERE institution = $1 AND idempotency_key = $2 AND status IS NULL', [institution, key]);
  }
}
