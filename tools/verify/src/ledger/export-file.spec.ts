// `medshare-verify file` over a small hand-built export: each scenario edits the file the way a
// tamperer or a broken copy would, and names where the verifier must point (height and row).
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { CompactRange, leafHash, rootFromLeafHashes, signCheckpoint, type Checkpoint } from '@medshare/merkle';
import { run } from '../main';
import { blockLine, descriptionLine, eventLine } from './export-file';
import type { LedgerBlock, LedgerEvent } from './ledger-verifier';

const ledgerKey = generateKeyPairSync('ed25519');
const publicKey = ledgerKey.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const TOPIC = 'medshare.access.decisions.v1';

/** A signed chain of blocks holding `sizes[h]` events each, as export lines: [description, block, events..., block, ...]. */
function exportLines(sizes: readonly number[]): string[] {
  const tree = CompactRange.empty();
  let previousHash = '0'.repeat(64);
  let offset = 0;
  const lines = [descriptionLine({ source: 'test', exportedAt: '2026-01-01T00:00:00.000Z', height: sizes.length - 1 })];
  sizes.forEach((size, height) => {
    const events: LedgerEvent[] = Array.from({ length: size }, (_, i) => {
      const leafIndex = tree.size + i;
      const canonical = Buffer.from(`{"id":"e${leafIndex}","type":"access.decision.v1"}`);
      return { leafIndex, height, eventId: `e${leafIndex}`, topic: TOPIC, partition: 0, offset: String(offset + i), leafHash: leafHash(canonical), canonical };
    });
    for (const event of events) tree.append(event.leafHash);
    const header = {
      height,
      previousHash,
      merkleRoot: rootFromLeafHashes(events.map((event) => event.leafHash)).toString('hex'),
      eventCount: size,
      treeSize: tree.size,
      treeRoot: tree.root().toString('hex'),
      offsets: [{ topic: TOPIC, partition: 0, first: String(offset), last: String(offset + size - 1) }],
      time: '2026-01-01T00:00:00.000Z',
    };
    const preimage = Buffer.concat([Buffer.from([0x02]), Buffer.from(canonicalize(header) as string)]);
    const block: LedgerBlock = {
      header,
      blockHash: createHash('sha256').update(preimage).digest('hex'),
      signature: sign(null, preimage, ledgerKey.privateKey).toString('base64'),
      checkpoint: signCheckpoint({ origin: 'medshare.test/ledger', size: tree.size, rootHash: tree.root() }, ledgerKey.privateKey),
      treeState: tree.toJSON(),
    };
    lines.push(blockLine(block), ...events.map(eventLine));
    previousHash = block.blockHash;
    offset += size;
  });
  return lines.map((line) => line.trimEnd());
}

/** Line of event leaf N in exportLines([3, 2, 2]): description, block 0, leaves 0-2, block 1, leaves 3-4, block 2, leaves 5-6. */
const EVENT_LINE = [2, 3, 4, 6, 7, 9, 10];
const lineOfBlock = (height: number) => [1, 5, 8][height];

function edit(lines: string[], at: number, change: (record: Record<string, unknown>) => Record<string, unknown>): string[] {
  const copy = [...lines];
  copy[at] = JSON.stringify(change(JSON.parse(copy[at]) as Record<string, unknown>));
  return copy;
}

function flipByte(base64: unknown): string {
  const bytes = Buffer.from(String(base64), 'base64');
  bytes[5] ^= 0x01;
  return bytes.toString('base64');
}

const dir = mkdtempSync(join(tmpdir(), 'medshare-verify-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let written = 0;
const fileOf = (lines: readonly string[]): string => {
  const path = join(dir, `ledger-${(written += 1)}.jsonl`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
};

async function verifyFile(path: string, extra: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(['file', '--file', path, '--public-key', publicKey, ...extra], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

const valid = exportLines([3, 2, 2]);

describe('medshare-verify file', () => {
  it('accepts an untouched export and prints its head', async () => {
    const result = await verifyFile(fileOf(valid));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^valid\nfile: +\S+\nheight: +2\ntree size: 7\n/);
  });

  it.each<[string, string[], string]>([
    [
      'one flipped byte of an event',
      edit(valid, EVENT_LINE[4], (event) => ({ ...event, canonical: flipByte(event.canonical) })),
      'height 1 event leaf 4: leaf hash does not match the stored event bytes',
    ],
    [
      'an edited block header',
      edit(valid, lineOfBlock(1), (block) => ({ ...block, header: { ...(block.header as object), time: '2026-01-02T00:00:00.000Z' } })),
      'height 1 header: block hash does not match the header',
    ],
    ['a removed event line', valid.filter((_, i) => i !== EVENT_LINE[6]), 'height 2 event leaf 6: event row is missing'],
    [
      'an event moved to another leaf index',
      edit(valid, EVENT_LINE[1], (event) => ({ ...event, leafIndex: 9 })),
      'height 0 event leaf 9: event row does not belong to this block',
    ],
    ['a line that is no longer JSON', valid.map((line, i) => (i === EVENT_LINE[2] ? line.slice(0, -3) : line)), 'height 0 line 5: line is not JSON'],
    ['a last block cut off', valid.slice(0, lineOfBlock(2)), 'height 2 file: the file ends at height 1, its first line says 2'],
    [
      'a signature from another key',
      edit(valid, lineOfBlock(0), (block) => ({ ...block, signature: Buffer.alloc(64, 1).toString('base64') })),
      'height 0 header: signature does not verify with the ledger key',
    ],
  ])('exits 1 and names the height for %s', async (_case, lines, finding) => {
    const result = await verifyFile(fileOf(lines));
    expect(result).toMatchObject({ code: 1, stderr: '' });
    expect(result.stdout).toContain(finding);
  });

  it.each<[string, string, string]>([
    ['a file that is not an export', fileOf(['{"hello":"world"}']), 'not a ledger export'],
    ['an empty file', fileOf([]), 'not a ledger export'],
    ['a missing file', join(dir, 'missing.jsonl'), 'cannot read'],
  ])('exits 2 for %s', async (_case, path, message) => {
    const result = await verifyFile(path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('medshare-verify file --checkpoint (a signed head the auditor trusts)', () => {
  const checkpointOf = (height: number): string => (JSON.parse(valid[lineOfBlock(height)]) as { checkpoint: string }).checkpoint;
  const signed = (checkpoint: Checkpoint, key = ledgerKey.privateKey) => signCheckpoint(checkpoint, key);
  const strangerKey = generateKeyPairSync('ed25519').privateKey;
  const trusted = {
    headJson: fileOf([JSON.stringify({ treeSize: 7, height: 2, checkpoint: checkpointOf(2) })]),
    olderNote: fileOf([checkpointOf(1).trimEnd()]),
    otherRoot: fileOf([signed({ origin: 'medshare.test/ledger', size: 5, rootHash: Buffer.alloc(32, 7) }).trimEnd()]),
    otherKey: fileOf([signed({ origin: 'medshare.test/ledger', size: 7, rootHash: Buffer.alloc(32, 7) }, strangerKey).trimEnd()]),
  };
  // Cut after block 1, with line 1 rewritten to match: consistent in itself, so only a trusted head can tell.
  const truncated = fileOf([
    descriptionLine({ source: 'test', exportedAt: '2026-01-01T00:00:00.000Z', height: 1 }).trimEnd(),
    ...valid.slice(1, lineOfBlock(2)),
  ]);

  it('calls a truncated ledger valid without a trusted head (what an auditor could not see before)', async () => {
    expect(await verifyFile(truncated)).toMatchObject({ code: 0, stdout: expect.stringContaining('height:    1') });
  });

  it.each<[string, string, string]>([
    ['the JSON of GET /v1/blocks/head at the head', trusted.headJson, 'trusted:   checkpoint of size 7 reached, same root'],
    ['an older checkpoint note the ledger has grown past', trusted.olderNote, 'trusted:   checkpoint of size 5 reached, same root'],
  ])('accepts the ledger against %s', async (_case, checkpoint, output) => {
    const result = await verifyFile(fileOf(valid), ['--checkpoint', checkpoint]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(output);
  });

  it.each<[string, string, string, string]>([
    [
      'a ledger shorter than the trusted head',
      truncated,
      trusted.headJson,
      "height 1 trusted checkpoint: the ledger ends at tree size 5, below the trusted checkpoint's size 7: it was cut short",
    ],
    [
      'a ledger whose tree at the trusted size has another root',
      fileOf(valid),
      trusted.otherRoot,
      'height 1 trusted checkpoint: the tree of size 5 has another root than the trusted checkpoint',
    ],
  ])('exits 1 for %s', async (_case, path, checkpoint, finding) => {
    const result = await verifyFile(path, ['--checkpoint', checkpoint]);
    expect(result).toMatchObject({ code: 1, stderr: '' });
    expect(result.stdout).toContain(finding);
  });

  it.each<[string, string, string]>([
    ['a checkpoint signed by another key', trusted.otherKey, '--checkpoint: '],
    ['a missing checkpoint file', join(dir, 'missing-head.json'), '--checkpoint: cannot read'],
  ])('exits 2 for %s', async (_case, checkpoint, message) => {
    const result = await verifyFile(fileOf(valid), ['--checkpoint', checkpoint]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
