// Bulk $import jobs: where each stands in its spooled NDJSON file (lines and bytes done, counts) and the
// OperationOutcome of every refused line (codes and element paths only, never a value).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ImportJobs1733800000000 implements MigrationInterface {
  name = 'ImportJobs1733800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE import_jobs (
        job_id text PRIMARY KEY,
        institution text NOT NULL,
        spool_path text NOT NULL,
        size bigint NOT NULL,
        state text NOT NULL DEFAULT 'running',
        bytes_done bigint NOT NULL DEFAULT 0,
        lines_done integer NOT NULL DEFAULT 0,
        lines_read integer NOT NULL DEFAULT 0,
        lines_accepted integer NOT NULL DEFAULT 0,
        lines_refused integer NOT NULL DEFAULT 0,
        owner text,
        lease_expires_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE import_outcomes (
        job_id text NOT NULL REFERENCES import_jobs (job_id),
        line integer NOT NULL,
        outcome jsonb NOT NULL,
        PRIMARY KEY (job_id, line)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE import_outcomes');
    await queryRunner.query('DROP TABLE import_jobs');
  }
}
