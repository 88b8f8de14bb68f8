// The proof bundle served for GET /v1/events/:eventId/proof, from the ledger's side and the auditor's.
import { generateKeyPairSync } from 'node:crypto';
import { signCheckpoint } from './checkpoint';
import { leafHash } from './hashing';
import { MerkleTree } from './merkle-tree';
import { createProofBundle, verifyProofBundle } from './proof-bundle';

const ledgerKey = generateKeyPairSync('ed25519');
const strangerKey = generateKeyPairSync('ed25519');
const ORIGIN = 'medshare.example/ledger';

const events = Array.from({ length: 11 }, (_, i) => Buffer.from(`{"id":"evt-${i}","type":"access.decided.v1"}`));
const tree = new MerkleTree(events.map(leafHash));
const checkpointAt = (size: number, key = ledgerKey.privateKey): string => signCheckpoint({ origin: ORIGIN, size, rootHash: tree.root(size) }, key);
const latest = checkpointAt(11);

const bundle = createProofBundle({ eventId: 'evt-6', leafIndex: 6, tree, signedCheckpoint: latest, leafData: events[6] });

function flipFirstHexDigit(hex: string): string {
  return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
}

describe('proof bundles', () => {
  it('carry the inclusion proof at the checkpoint size', () => {
    expect(bundle).toEqual({
      version: 1,
      eventId: 'evt-6',
      leafIndex: 6,
      treeSize: 11,
      leafHash: leafHash(events[6]).toString('hex'),
      auditPath: tree.inclusionProof(6).map((node) => node.toString('hex')),
      checkpoint: latest,
      leafData: events[6].toString('hex'),
    });
  });

  it('verify with the ledger public key alone, and survive JSON', () => {
    const verdict = verifyProofBundle(JSON.parse(JSON.stringify(bundle)), ledgerKey.publicKey);
    expect(verdict).toEqual({
      ok: true,
      eventId: 'evt-6',
      leafIndex: 6,
      leafDataChecked: true,
      checkpoint: { origin: ORIGIN, size: 11, rootHash: tree.root() },
      keyName: ORIGIN,
    });
  });

  it('verify without leaf data', () => {
    const withoutData = createProofBundle({ eventId: 'evt-0', leafIndex: 0, tree, signedCheckpoint: latest });
    expect(withoutData).not.toHaveProperty('leafData');
    expect(verifyProofBundle(withoutData, ledgerKey.publicKey)).toMatchObject({ ok: true, leafDataChecked: false });
  });

  it('verify against an older checkpoint than the tree', () => {
    const older = createProofBundle({ eventId: 'evt-4', leafIndex: 4, tree, signedCheckpoint: checkpointAt(5), leafData: events[4] });
    expect(older.treeSize).toBe(5);
    expect(verifyProofBundle(older, ledgerKey.publicKey).ok).toBe(true);
  });

  it('verify when the leaf data is not JSON, with nothing to compare the event id to', () => {
    const opaque = [Buffer.from([0xff, 0x00]), Buffer.from('second')];
    const opaqueTree = new MerkleTree(opaque.map(leafHash));
    const signedCheckpoint = signCheckpoint({ origin: ORIGIN, size: 2, rootHash: opaqueTree.root() }, ledgerKey.privateKey);
    const opaqueBundle = createProofBundle({ eventId: 'e', leafIndex: 0, tree: opaqueTree, signedCheckpoint, leafData: opaque[0] });
    expect(verifyProofBundle(opaqueBundle, ledgerKey.publicKey).ok).toBe(true);
  });

  const tampered: [string, unknown, string][] = [
    ['leaf data of another event', { ...bundle, leafData: events[5].toString('hex') }, 'leafData does not hash to leafHash'],
    ['another event id than the leaf data', { ...bundle, eventId: 'evt-5' }, 'leafData is event "evt-6", not "evt-5"'],
    ['another leaf hash', { ...bundle, leafHash: leafHash(events[5]).toString('hex'), leafData: undefined }, 'inclusion: '],
    ['another leaf index', { ...bundle, leafIndex: 5 }, 'inclusion: '],
    ['a leaf index beyond the tree', { ...bundle, leafIndex: 11 }, 'inclusion: leaf index 11 is not below tree size 11'],
    ['a changed audit path', { ...bundle, auditPath: [flipFirstHexDigit(bundle.auditPath[0]), ...bundle.auditPath.slice(1)] }, 'inclusion: '],
    ['a shortened audit path', { ...bundle, auditPath: bundle.auditPath.slice(1) }, 'inclusion: '],
    ['a lengthened audit path', { ...bundle, auditPath: [...bundle.auditPath, bundle.auditPath[0]] }, 'inclusion: '],
    ['a tree size that is not the checkpoint size', { ...bundle, treeSize: 12 }, 'bundle tree size 12 differs from checkpoint size 11'],
    ['a checkpoint of an earlier size', { ...bundle, checkpoint: checkpointAt(10), treeSize: 10 }, 'inclusion: '],
    [
      'a checkpoint signed by another key',
      { ...bundle, checkpoint: checkpointAt(11, strangerKey.privateKey) },
      'checkpoint: note carries no signature from the given public key',
    ],
    ['an edited checkpoint', { ...bundle, checkpoint: latest.replace('\n11\n', '\n12\n') }, 'checkpoint: signature by key'],
  ];
  it.each(tampered)('are rejected with %s', (_case, candidate, reason) => {
    const verdict = verifyProofBundle(candidate, ledgerKey.publicKey);
    expect(verdict.ok === false && verdict.reason).toContain(reason);
  });

  const malformed: [string, unknown, string][] = [
    ['no object', 'bundle', 'bundle must be a JSON object'],
    ['an array', [bundle], 'bundle must be a JSON object'],
    ['null', null, 'bundle must be a JSON object'],
    ['version 2', { ...bundle, version: 2 }, 'unsupported bundle version 2'],
    ['no version', { ...bundle, version: undefined }, 'unsupported bundle version'],
    ['an empty event id', { ...bundle, eventId: '' }, 'eventId must be a non-empty string'],
    ['an event id with a terminal escape', { ...bundle, eventId: 'evt-6\u001b[2J' }, 'without control characters'],
    ['a negative leaf index', { ...bundle, leafIndex: -1 }, 'leafIndex must be a non-negative integer'],
    ['a leaf index as text', { ...bundle, leafIndex: '6' }, 'leafIndex must be a non-negative integer'],
    ['a fractional tree size', { ...bundle, treeSize: 10.5 }, 'treeSize must be a non-negative integer'],
    ['a short leaf hash', { ...bundle, leafHash: bundle.leafHash.slice(2) }, 'leafHash must be 32 bytes of hex'],
    ['a leaf hash that is not hex', { ...bundle, leafHash: `zz${bundle.leafHash.slice(2)}` }, 'leafHash must be 32 bytes of hex'],
    ['an audit path that is not a list', { ...bundle, auditPath: bundle.auditPath.join(',') }, 'auditPath must be an array'],
    ['an audit path element that is not hex', { ...bundle, auditPath: ['x'.repeat(64)] }, 'auditPath[0] must be 32 bytes of hex'],
    ['an audit path element that is a number', { ...bundle, auditPath: [...bundle.auditPath, 5] }, 'auditPath[4] must be 32 bytes of hex'],
    ['no checkpoint', { ...bundle, checkpoint: undefined }, 'checkpoint must be a string'],
    ['leaf data that is not hex', { ...bundle, leafData: 'abc' }, 'leafData must be hex'],
  ];
  it.each(malformed)('are rejected when malformed: %s', (_case, candidate, reason) => {
    const verdict = verifyProofBundle(candidate, ledgerKey.publicKey);
    expect(verdict.ok === false && verdict.reason).toContain(reason);
  });

  it('are rejected under an unusable key rather than throwing', () => {
    const verdict = verifyProofBundle(bundle, 'not a key');
    expect(verdict.ok === false && verdict.reason).toContain('checkpoint: public key: ');
  });

  it.each([
    ['a checkpoint the tree does not match', { signedCheckpoint: signCheckpoint({ origin: ORIGIN, size: 11, rootHash: tree.root(10) }, ledgerKey.privateKey) }],
    ['a checkpoint beyond the tree', { signedCheckpoint: signCheckpoint({ origin: ORIGIN, size: 12, rootHash: tree.root() }, ledgerKey.privateKey) }],
    ['leaf data of another leaf', { leafData: events[7] }],
    ['a leaf beyond the checkpoint', { signedCheckpoint: checkpointAt(6) }],
  ])('are never built from %s', (_case, override) => {
    expect(() => createProofBundle({ eventId: 'evt-6', leafIndex: 6, tree, signedCheckpoint: latest, leafData: events[6], ...override })).toThrow(RangeError);
  });
});
