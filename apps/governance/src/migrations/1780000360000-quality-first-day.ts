// The day of each content's first record, so the earliest record stays first whatever order instances count in
// (a record earlier than the stored first makes that one a duplicate on its own day). Rows from before stay first.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class QualityFirstDay1780000360000 implements MigrationInterface {
  name = 'QualityFirstDay1780000360000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE quality_contents ADD COLUMN day date`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE quality_contents DROP COLUMN day`);
  }
}
