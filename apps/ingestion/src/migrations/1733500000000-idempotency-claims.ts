// Idempotency-Key claims with a lease (a claim whose owner died is taken over), what the owner prepared to publish,
// and the key kept only as a keyed pseudonym.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyClaims1733500000000 implements MigrationInterface {
  name = 'IdempotencyClaims1733500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Earlier rows hold raw keys (patient data: engines build keys from MRNs) that only the service could re-key:
    // they go, and a retry of a request answered before this migration is judged again.
    await queryRunner.query('DELETE FROM idempotency_keys');
    await queryRunner.query('ALTER TABLE idempotency_keys RENAME COLUMN idempotency_key TO key_pseudonym');
    await queryRunner.query('ALTER TABLE idempotency_keys ADD COLUMN owner uuid, ADD COLUMN lease_expires_at timestamptz, ADD COLUMN prepared jsonb');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM idempotency_keys');
    await queryRunner.query('ALTER TABLE idempotency_keys DROP COLUMN prepared, DROP COLUMN lease_expires_at, DROP COLUMN owner');
    await queryRunner.query('ALTER TABLE idempotency_keys RENAME COLUMN key_pseudonym TO idempotency_key');
  }
}
