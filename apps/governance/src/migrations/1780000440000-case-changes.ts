// When each case row last changed in this database (not the event's time): the dashboard's live feed follows it.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CaseChanges1780000440000 implements MigrationInterface {
  name = 'CaseChanges1780000440000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE cases ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(`CREATE INDEX cases_changed ON cases (changed_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE cases DROP COLUMN changed_at`);
  }
}
