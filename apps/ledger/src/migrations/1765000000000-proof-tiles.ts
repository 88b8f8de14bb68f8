// The proof tree on disk: the log's hashes as C2SP tlog-tiles, derived from the replicas' leaf hashes and checked
// against the ledger's signed checkpoints, so proofs need no tree in memory. A cache: dropping it only costs a rebuild.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ProofTiles1765000000000 implements MigrationInterface {
  name = 'ProofTiles1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    // One row per tile at its widest: the log only grows, so every narrower (partial) version is a prefix of it.
    // `hashes` is the standard tile; `nodes` its interior (libs/merkle Tile), so a proof hashes nothing to read a node.
    await runner.query(`
      CREATE TABLE proof_tiles (
        level smallint NOT NULL,
        tile_index bigint NOT NULL,
        hashes bytea NOT NULL,
        nodes bytea NOT NULL,
        PRIMARY KEY (level, tile_index)
      )`);
    // How many leaves the tiles cover, and the root they give, which a signed checkpoint of that size vouched for.
    await runner.query(`
      CREATE TABLE proof_tree (
        id smallint PRIMARY KEY CHECK (id = 1),
        tree_size bigint NOT NULL,
        root bytea NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE proof_tree');
    await runner.query('DROP TABLE proof_tiles');
  }
}
