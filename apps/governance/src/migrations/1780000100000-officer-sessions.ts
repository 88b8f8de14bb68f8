// Officers' browser sessions and their sign-ins in flight, kept where every governance instance sees them.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OfficerSessions1780000100000 implements MigrationInterface {
  name = 'OfficerSessions1780000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Only the SHA-256 of a session cookie is kept: a copy of the table opens no session.
    await queryRunner.query(`
      CREATE TABLE officer_sessions (
        token_hash bytea PRIMARY KEY,
        subject text NOT NULL,
        name text,
        role text NOT NULL,
        institution text,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX officer_sessions_expires_at ON officer_sessions (expires_at)`);
    // A sign-in in flight: the PKCE verifier and nonce stay here, bound to the browser that started it.
    await queryRunner.query(`
      CREATE TABLE officer_logins (
        state text PRIMARY KEY,
        browser_hash bytea NOT NULL,
        code_verifier text NOT NULL,
        nonce text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE officer_logins`);
    await queryRunner.query(`DROP TABLE officer_sessions`);
  }
}
