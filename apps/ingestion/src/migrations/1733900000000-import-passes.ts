// $import passes: lines set aside because their patient or a resource they name was not known yet (it may come in a
// later line or file of the job) are kept by position in the spooled file, never by content, and sent again in
// later passes; the job row says which pass runs and whether it is the last (nothing set aside any more).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ImportPasses1733900000000 implements MigrationInterface {
  name = 'ImportPasses1733900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE import_jobs
        ADD COLUMN pass integer NOT NULL DEFAULT 1,
        ADD COLUMN pass_accepted integer NOT NULL DEFAULT 0,
        ADD COLUMN last_pass boolean NOT NULL DEFAULT false,
        ADD COLUMN lines_waiting integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE TABLE import_waiting (
        job_id text NOT NULL REFERENCES import_jobs (job_id),
        line integer NOT NULL,
        start_byte bigint NOT NULL,
        end_byte bigint NOT NULL,
        pass integer NOT NULL,
        PRIMARY KEY (job_id, line)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE import_waiting');
    await queryRunner.query('ALTER TABLE import_jobs DROP COLUMN pass, DROP COLUMN pass_accepted, DROP COLUMN last_pass, DROP COLUMN lines_waiting');
  }
}
