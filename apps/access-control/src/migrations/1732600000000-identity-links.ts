// The projection of medshare.identity.v1: which identifier pseudonym names which patient pseudonym.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdentityLinks1732600000000 implements MigrationInterface {
  name = 'IdentityLinks1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Pseudonyms only. Ingestion never changes a link, so the first row written stands.
    await queryRunner.query(`
      CREATE TABLE identity_links (
        identifier text PRIMARY KEY,
        patient text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE identity_links');
  }
}
