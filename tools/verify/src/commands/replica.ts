// `medshare-verify replica`: verifies a whole ledger replica straight from its PostgreSQL tables, with
// its own implementation of every check (nothing of the ledger service is trusted or reused): each leaf
// hash from the stored event bytes, each block's Merkle root, the log's tree head after each block, the
// hash chain, the Ed25519 signature of every header, every signed checkpoint, and the Kafka offset
// ranges (each starts where the previous block left its partition). Prints replica, height and row of
// each problem.
import { createHash, verify as verifySignature, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client } from 'pg';
import { CompactRange, leafHash, parsePublicKey, rootFromLeafHashes, verifyCheckpoint } from '@medshare/merkle';
import { ExitCode, UsageError, type Command } from '../cli';

interface Finding {
  height: number;
  row: string;
  problem: string;
}

interface Range {
  topic: string;
  partition: number;
  first: string;
  last: string;
}

const GENESIS = '0'.repeat(64);
const PAGE = 50;
const MAX_PRINTED = 20;

export const replicaCommand: Command<'url' | 'public-key'> = {
  name: 'replica',
  summary: 'verify a whole ledger replica: leaves, Merkle roots, tree heads, chain, signatures, offsets',
  flags: {
    url: { value: 'postgres://...', description: 'connection string of the replica database (read-only use)' },
    'public-key': { value: 'KEY', description: 'Ed25519 public key of the ledger: a file, or inline PEM or base64 of the raw 32 bytes' },
  },
  example: 'medshare-verify replica --url postgres://auditor@db.example:5432/ledger --public-key ledger.pub.pem',
  async run(values, io) {
    const publicKey = await loadPublicKey(values['public-key']);
    let url: URL;
    try {
      url = new URL(values.url);
    } catch {
      throw new UsageError('--url must be a postgres:// connection string');
    }
    const where = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    const client = new Client({ connectionString: values.url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      // One snapshot: blocks a live ledger writes meanwhile stay out of sight.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { findings, height, treeSize, treeRoot } = await verifyReplica(client, publicKey);
      if (findings.length === 0) {
        io.stdout.write(`valid\nreplica:   ${where}\nheight:    ${height}\ntree size: ${treeSize}\nroot:      ${treeRoot}\n`);
        return ExitCode.Valid;
      }
      const lines = findings.slice(0, MAX_PRINTED).map((finding) => `  ${where} height ${finding.height} ${finding.row}: ${finding.problem}`);
      const more = findings.length > MAX_PRINTED ? [`  ... and ${findings.length - MAX_PRINTED} more`] : [];
      io.stdout.write(`invalid: ${findings.length} problem(s) in replica ${where}\n${[...lines, ...more].join('\n')}\n`);
      return ExitCode.Invalid;
    } finally {
      await client.end();
    }
  },
};

async function verifyReplica(client: Client, publicKey: KeyObject) {
  const findings: Finding[] = [];
  const { rows: top } = await client.query<{ height: string | null }>('SELECT max(height) AS height FROM ledger_blocks');
  const head = top[0].height === null ? -1 : Number(top[0].height);
  let expectedHeight = 0;
  let previousHash = GENESIS;
  let tree = CompactRange.empty();
  const cursor = new Map<string, bigint>();
  for (let from = 0; from <= head; from += PAGE) {
    const to = Math.min(head, from + PAGE - 1);
    const blocks = await client.query('SELECT * FROM ledger_blocks WHERE height BETWEEN $1 AND $2 ORDER BY height', [from, to]);
    const events = await client.query('SELECT * FROM ledger_events WHERE height BETWEEN $1 AND $2 ORDER BY height, leaf_index', [from, to]);
    const byHeight = new Map<number, Record<string, unknown>[]>();
    for (const event of events.rows) {
      const group = byHeight.get(Number(event.height));
      if (group) group.push(event);
      else byHeight.set(Number(event.height), [event]);
    }
    for (const block of blocks.rows) {
      const height = Number(block.height);
      const report = (row: string, problem: string) => findings.push({ height, row, problem });
      for (; expectedHeight < height; expectedHeight += 1) findings.push({ height: expectedHeight, row: 'block', problem: 'block is missing' });
      const offsets = block.offsets as Range[];
      const header = {
        height,
        previousHash: block.previous_hash,
        merkleRoot: block.merkle_root,
        eventCount: block.event_count,
        treeSize: Number(block.tree_size),
        treeRoot: block.tree_root,
        offsets,
        time: block.block_time,
      };
      // The signed bytes: 0x02 || RFC 8785 JSON of the header.
      const preimage = Buffer.concat([Buffer.from([0x02]), Buffer.from(canonicalJson(header), 'utf8')]);
      if (header.previousHash !== previousHash) report('header', 'previous hash does not link to the block before');
      if (createHash('sha256').update(preimage).digest('hex') !== block.block_hash) report('header', 'block hash does not match the header');
      const signature = Buffer.from(String(block.signature), 'base64');
      if (signature.length !== 64 || !verifySignature(null, preimage, publicKey, signature)) report('header', 'signature does not verify with the ledger key');

      const first = tree.size;
      const rows = byHeight.get(height) ?? [];
      byHeight.delete(height);
      const hashes: Buffer[] = [];
      const present = new Set<number>();
      const lastOffset = new Map<string, bigint>();
      const ranges = new Map(offsets.map((range) => [`${range.topic}:${range.partition}`, range]));
      for (const event of rows) {
        const leafIndex = Number(event.leaf_index);
        const row = `event leaf ${leafIndex}`;
        if (leafIndex < first || leafIndex >= first + header.eventCount || present.has(leafIndex)) {
          report(row, 'event row does not belong to this block');
          continue;
        }
        present.add(leafIndex);
        const bytes = event.canonical as Buffer;
        const hash = leafHash(bytes);
        if (!hash.equals(event.leaf_hash as Buffer)) report(row, 'leaf hash does not match the stored event bytes');
        if (idOf(bytes) !== event.event_id) report(row, 'event id does not match the stored event bytes');
        const key = `${event.topic}:${event.kafka_partition}`;
        const range = ranges.get(key);
        const offset = BigInt(event.kafka_offset as string);
        if (!range || offset < BigInt(range.first) || offset > BigInt(range.last) || (lastOffset.get(key) ?? -1n) >= offset) report(row, `offset ${key}@${offset} is outside or out of order in the block's ranges`);
        lastOffset.set(key, offset);
        hashes.push(hash);
      }
      for (let i = first; i < first + header.eventCount; i += 1) if (!present.has(i)) report(`event leaf ${i}`, 'event row is missing');
      if (rootFromLeafHashes(hashes).toString('hex') !== header.merkleRoot) report('header', "Merkle root does not match the block's events");
      for (const hash of hashes) tree.append(hash);
      const treeRoot = tree.root().toString('hex');
      if (tree.size !== header.treeSize || treeRoot !== header.treeRoot) {
        report('header', "tree head does not match the log's leaves");
        // Go on from the signed state, so later blocks are judged on their own.
        try {
          const stored = CompactRange.fromJSON(block.tree_state);
          if (stored.size === header.treeSize && stored.root().toString('hex') === header.treeRoot) tree = stored;
        } catch {
          // Keep the recomputed tree.
        }
      }
      const checkpoint = verifyCheckpoint(String(block.checkpoint), publicKey);
      if (!checkpoint.ok) report('block', `checkpoint: ${checkpoint.reason}`);
      else if (checkpoint.checkpoint.size !== header.treeSize || checkpoint.checkpoint.rootHash.toString('hex') !== header.treeRoot) report('block', 'checkpoint is for another tree head');
      for (const [key, range] of ranges) {
        const next = cursor.get(key);
        if (next !== undefined && BigInt(range.first) !== next) report('header', `offsets of ${key} start at ${range.first}, not where the chain left it (${next})`);
        if (lastOffset.get(key) !== BigInt(range.last)) report('header', `offset range of ${key} does not end at its last event`);
        cursor.set(key, BigInt(range.last) + 1n);
      }
      expectedHeight = height + 1;
      previousHash = String(block.block_hash);
    }
    for (const stray of [...byHeight.values()].flat()) findings.push({ height: Number(stray.height), row: `event leaf ${stray.leaf_index}`, problem: 'event row belongs to no block' });
  }
  const strays = await client.query('SELECT leaf_index, height FROM ledger_events WHERE leaf_index >= $1 OR height > $2 OR height < 0 ORDER BY leaf_index LIMIT 100', [tree.size, head]);
  for (const stray of strays.rows) findings.push({ height: Number(stray.height), row: `event leaf ${stray.leaf_index}`, problem: 'event row belongs to no block' });
  return { findings, height: head, treeSize: tree.size, treeRoot: tree.root().toString('hex') };
}

/** RFC 8785 for JSON values: ECMAScript serialisation with object keys sorted by UTF-16 code units. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function idOf(bytes: Buffer): string | undefined {
  try {
    const id = (JSON.parse(bytes.toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

async function loadPublicKey(value: string): Promise<KeyObject> {
  try {
    return parsePublicKey(value);
  } catch (inlineError) {
    if (value.includes('-----BEGIN')) throw new UsageError(`--public-key: ${(inlineError as Error).message}`);
  }
  try {
    return parsePublicKey(await readFile(value, 'utf8'));
  } catch {
    throw new UsageError('--public-key: neither an Ed25519 key (PEM, or base64 of 32 bytes) nor a readable file holding one');
  }
}
