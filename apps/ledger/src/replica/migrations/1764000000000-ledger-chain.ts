// The chain's tables on each replica: one row per block (header fields as signed, plus the tree state
// and Kafka cursor after it) and one row per event leaf with its canonical bytes.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LedgerChain1764000000000 implements MigrationInterface {
  name = 'LedgerChain1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE ledger_blocks (
        height bigint PRIMARY KEY,
        previous_hash text NOT NULL,
        merkle_root text NOT NULL,
        event_count integer NOT NULL,
        tree_size bigint NOT NULL,
        tree_root text NOT NULL,
        offsets jsonb NOT NULL,
        block_time text NOT NULL,
        block_hash text NOT NULL,
        signature text NOT NULL,
        checkpoint text NOT NULL,
        tree_state jsonb NOT NULL,
        kafka_cursor jsonb NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now()
      )`);
    // No foreign key to the blocks: verification, not the schema, is what catches rows that do not fit.
    await runner.query(`
      CREATE TABLE ledger_events (
        leaf_index bigint PRIMARY KEY,
        height bigint NOT NULL,
        event_id text NOT NULL,
        event_type text NOT NULL,
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        leaf_hash bytea NOT NULL,
        canonical bytea NOT NULL
      )`);
    await runner.query('CREATE INDEX ledger_events_height ON ledger_events (height)');
    await runner.query('CREATE INDEX ledger_events_event_id ON ledger_events (event_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE ledger_events');
    await runner.query('DROP TABLE ledger_blocks');
  }
}
