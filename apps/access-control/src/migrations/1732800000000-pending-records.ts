// Records ingestion acknowledged (ingest.sealed) that records.encrypted has not shown yet: a read names their types
// as pending instead of silently leaving them out.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PendingRecords1732800000000 implements MigrationInterface {
  name = 'PendingRecords1732800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Ids and types only; a row leaves when its records.encrypted is projected.
    await queryRunner.query(`
      CREATE TABLE pending_records (
        record_id text PRIMARY KEY,
        patient text NOT NULL,
        institution text NOT NULL,
        resource_type text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX pending_records_patient ON pending_records (patient)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE pending_records');
  }
}
