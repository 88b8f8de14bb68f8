// The CLI run in-process through run(argv, io): each scenario names what it proves, with its exit
// code (0 valid, 1 invalid, 2 usage) and a piece of what it must print.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProofBundle, leafHash, MerkleTree, rawPublicKey, signCheckpoint } from '@medshare/merkle';
import { run } from './main';

// The RFC 6962 / CT reference tree (see libs/merkle ct-vectors.spec.ts for the sources).
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const LEAF_HASHES = LEAF_INPUTS.map((hex) => leafHash(Buffer.from(hex, 'hex')).toString('hex'));
const ROOT_1 = '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d';
const ROOT_6 = '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef';
const ROOT_8 = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const INCLUSION_5_OF_8 = [
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
].join(',');
const CONSISTENCY_6_TO_8 = [
  '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
  'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
].join(',');
const TAMPERED_CONSISTENCY_6_TO_8 = `1${CONSISTENCY_6_TO_8.slice(1)}`;

// A small ledger: three events, a signed checkpoint and the bundle for the second event.
const ledgerKey = generateKeyPairSync('ed25519');
const strangerKey = generateKeyPairSync('ed25519');
const events = ['a', 'b', 'c'].map((id) => Buffer.from(`{"id":"${id}"}`));
const tree = new MerkleTree(events.map(leafHash));
const signedCheckpoint = signCheckpoint({ origin: 'medshare.test/ledger', size: 3, rootHash: tree.root() }, ledgerKey.privateKey);
const bundle = createProofBundle({ eventId: 'b', leafIndex: 1, tree, signedCheckpoint, leafData: events[1] });
const publicPem = ledgerKey.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const publicRaw = rawPublicKey(ledgerKey.publicKey).toString('base64');

const dir = mkdtempSync(join(tmpdir(), 'medshare-verify-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const FILES = {
  leaves: file('leaves.json', JSON.stringify(LEAF_INPUTS)),
  noLeaves: file('no-leaves.json', '[]'),
  leavesNotArray: file('leaves-object.json', '{"leaves":[]}'),
  leavesNotHex: file('leaves-not-hex.json', '["00","0g"]'),
  notJson: file('not-json.txt', 'not json'),
  bundle: file('bundle.json', JSON.stringify(bundle)),
  bundleWithoutData: file('bundle-without-data.json', JSON.stringify({ ...bundle, leafData: undefined })),
  tamperedBundle: file('tampered.json', JSON.stringify({ ...bundle, leafIndex: 2 })),
  malformedBundle: file('malformed.json', JSON.stringify({ ...bundle, version: 2 })),
  publicPem: file('ledger.pub.pem', publicPem),
  publicRaw: file('ledger.pub.b64', `${publicRaw}\n`),
  strangerPem: file('stranger.pub.pem', strangerKey.publicKey.export({ format: 'pem', type: 'spki' }).toString()),
  garbageKey: file('garbage.key', 'not a key'),
  missing: join(dir, 'missing.json'),
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

const inclusion = (overrides: Record<string, string> = {}): string[] =>
  Object.entries({ 'leaf-hash': LEAF_HASHES[5], index: '5', size: '8', root: ROOT_8, proof: INCLUSION_5_OF_8, ...overrides }).flatMap(([flag, value]) => [
    `--${flag}`,
    value,
  ]);
const consistency = (overrides: Record<string, string> = {}): string[] =>
  Object.entries({ size1: '6', size2: '8', root1: ROOT_6, root2: ROOT_8, proof: CONSISTENCY_6_TO_8, ...overrides }).flatMap(([flag, value]) => [
    `--${flag}`,
    value,
  ]);

/** The same flags written as --flag=value. */
const withEquals = (args: string[]): string[] => args.flatMap((arg, i) => (i % 2 === 0 ? [`${arg}=${args[i + 1]}`] : []));

describe('medshare-verify', () => {
  it.each<[string, string[], string]>([
    ['prints the published root of the reference leaves', ['root', '--leaves', FILES.leaves], `${ROOT_8}\n`],
    ['prints the empty tree root for no leaves', ['root', '--leaves', FILES.noLeaves], `${EMPTY_ROOT}\n`],
    ['accepts a published inclusion proof', ['inclusion', ...inclusion()], 'valid\nleaf 5 is in the tree of size 8'],
    ['accepts flags written --flag=value', ['inclusion', ...withEquals(inclusion())], 'valid\n'],
    [
      'accepts an empty inclusion proof for a one-leaf tree',
      ['inclusion', ...inclusion({ 'leaf-hash': ROOT_1, index: '0', size: '1', root: ROOT_1, proof: '' })],
      'valid\n',
    ],
    [
      'accepts an empty proof given as --proof=',
      ['inclusion', ...inclusion({ 'leaf-hash': ROOT_1, index: '0', size: '1', root: ROOT_1 }).slice(0, -2), '--proof='],
      'valid\n',
    ],
    ['accepts upper-case hex and spaces after commas', ['inclusion', ...inclusion({ proof: INCLUSION_5_OF_8.toUpperCase().replace(/,/g, ', ') })], 'valid\n'],
    ['accepts a published consistency proof', ['consistency', ...consistency()], 'valid\nthe tree of size 6'],
    ['accepts an empty consistency proof between equal heads', ['consistency', ...consistency({ size1: '8', root1: ROOT_8, proof: '' })], 'valid\n'],
    ['accepts an empty consistency proof from the empty tree', ['consistency', ...consistency({ size1: '0', root1: EMPTY_ROOT, proof: '' })], 'valid\n'],
    [
      'accepts a bundle under a PEM key file',
      ['bundle', '--file', FILES.bundle, '--public-key', FILES.publicPem],
      'valid\nevent:      b\nleaf index: 1\ntree size:  3',
    ],
    [
      'accepts a bundle under a raw base64 key file',
      ['bundle', '--file', FILES.bundle, '--public-key', FILES.publicRaw],
      'leaf data:  included, and hashes to the leaf hash',
    ],
    ['accepts a bundle under an inline PEM key', ['bundle', '--file', FILES.bundle, '--public-key', publicPem], 'signed by:  medshare.test/ledger'],
    ['accepts a bundle under an inline raw base64 key', ['bundle', '--file', FILES.bundle, '--public-key', publicRaw], 'valid\n'],
    ['says when a bundle carries no leaf data', ['bundle', '--file', FILES.bundleWithoutData, '--public-key', publicRaw], 'leaf data:  not included'],
    ['shows the commands with --help', ['--help'], 'Commands:\n  root '],
    ['shows the commands with help', ['help'], 'bundle       check a proof bundle'],
    ['shows the flags of a command with --help', ['inclusion', '--help'], '--proof HEX,HEX,...'],
    ['shows the flags of a command with -h among other flags', ['bundle', '--file', 'x', '-h'], '--public-key KEY'],
    ['marks an optional flag in the help of a command', ['replica', '--help'], '[--checkpoint FILE]   optional: a signed head the auditor trusts'],
  ])('exits 0 and %s', async (_case, argv, output) => {
    const result = await cli(argv);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(output);
  });

  it.each<[string, string[], string]>([
    ['a wrong root', ['inclusion', ...inclusion({ root: ROOT_6 })], 'invalid: inclusion proof does not lead to the root hash'],
    ['a wrong leaf index', ['inclusion', ...inclusion({ index: '4' })], 'invalid: '],
    ['a leaf index beyond the tree', ['inclusion', ...inclusion({ index: '8' })], 'invalid: leaf index 8 is not below tree size 8'],
    ['an empty proof where one is needed', ['inclusion', ...inclusion({ proof: '' })], 'invalid: inclusion proof has 0 elements, fewer than the tree needs'],
    [
      'a changed consistency proof',
      ['consistency', ...consistency({ proof: TAMPERED_CONSISTENCY_6_TO_8 })],
      'invalid: consistency proof does not lead to the first root',
    ],
    [
      'a shrinking tree',
      ['consistency', ...consistency({ size1: '8', size2: '6', root1: ROOT_8, root2: ROOT_6, proof: '' })],
      'invalid: first tree size 8 exceeds',
    ],
    ['an empty consistency proof between different heads', ['consistency', ...consistency({ proof: '' })], 'invalid: consistency proof is empty'],
    ['a bundle proving another leaf', ['bundle', '--file', FILES.tamperedBundle, '--public-key', FILES.publicPem], 'invalid: inclusion: '],
    ['a bundle of an unknown version', ['bundle', '--file', FILES.malformedBundle, '--public-key', FILES.publicPem], 'invalid: unsupported bundle version 2'],
    [
      'a bundle under another key',
      ['bundle', '--file', FILES.bundle, '--public-key', FILES.strangerPem],
      'invalid: checkpoint: note carries no signature from the given public key',
    ],
  ])('exits 1 and explains the failure for %s', async (_case, argv, output) => {
    const result = await cli(argv);
    expect(result).toMatchObject({ code: 1, stderr: '' });
    expect(result.stdout).toContain(output);
  });

  it.each<[string, string[], string]>([
    ['no command', [], 'Usage: medshare-verify <command>'],
    ['an unknown command', ['replay'], 'unknown command "replay"'],
    ['an unknown flag', ['inclusion', ...inclusion(), '--verbose', 'yes'], 'unknown flag --verbose for inclusion'],
    ['a flag of another command', ['root', '--leaves', FILES.leaves, '--size', '3'], 'unknown flag --size for root'],
    ['a missing flag', ['inclusion', ...inclusion().slice(2)], 'missing --leaf-hash'],
    ['several missing flags', ['consistency', '--size1', '1'], 'missing --size2, --root1, --root2, --proof'],
    ['a flag without its value at the end', ['inclusion', ...inclusion().slice(0, -1)], '--proof needs a value: HEX,HEX,...'],
    ['a flag followed by another flag', ['inclusion', '--index', ...inclusion().slice(0, -2)], '--index needs a value: N'],
    ['a flag given twice', ['inclusion', ...inclusion(), '--index', '5'], '--index is given twice'],
    ['an optional flag given twice', ['file', '--file', 'x', '--public-key', 'k', '--checkpoint', 'a', '--checkpoint', 'b'], '--checkpoint is given twice'],
    ['a stray argument', ['inclusion', 'extra', ...inclusion()], 'unexpected argument "extra"'],
    ['a single-dash flag', ['inclusion', '-index', '5'], 'unexpected argument "-index"'],
    ['an option terminator', ['inclusion', '--', ...inclusion()], 'unexpected argument "--"'],
    ['bad hex in the root', ['inclusion', ...inclusion({ root: `zz${ROOT_8.slice(2)}` })], '--root must be 64 hex digits'],
    ['a root of odd length', ['inclusion', ...inclusion({ root: ROOT_8.slice(1) })], '--root must be 64 hex digits'],
    ['a root one byte short', ['inclusion', ...inclusion({ root: ROOT_8.slice(2) })], '--root must be 64 hex digits'],
    ['bad hex in a proof element', ['inclusion', ...inclusion({ proof: `${INCLUSION_5_OF_8},xyz` })], '--proof[3] must be 64 hex digits'],
    ['an empty proof element', ['inclusion', ...inclusion({ proof: `${INCLUSION_5_OF_8},` })], '--proof[3] must be 64 hex digits'],
    ['a fractional index', ['inclusion', ...inclusion({ index: '1.5' })], '--index must be a non-negative integer, got "1.5"'],
    ['a negative index', ['inclusion', ...inclusion({ index: '-1' })], '--index must be a non-negative integer'],
    ['an exponent size', ['inclusion', ...inclusion({ size: '1e3' })], '--size must be a non-negative integer'],
    ['an empty size', ['consistency', ...consistency({ size2: '' })], '--size2 must be a non-negative integer, got ""'],
    ['a size beyond 2^53', ['consistency', ...consistency({ size2: '9007199254740993' })], '--size2 must be a non-negative integer'],
    ['a missing leaves file', ['root', '--leaves', FILES.missing], '--leaves: cannot read'],
    ['a leaves file that is not JSON', ['root', '--leaves', FILES.notJson], 'is not JSON'],
    ['a leaves file that is not an array', ['root', '--leaves', FILES.leavesNotArray], 'must hold a JSON array'],
    ['a leaves file with a non-hex leaf', ['root', '--leaves', FILES.leavesNotHex], '--leaves: element 1 is not a hex string'],
    ['a missing bundle file', ['bundle', '--file', FILES.missing, '--public-key', FILES.publicPem], '--file: cannot read'],
    ['a bundle file that is not JSON', ['bundle', '--file', FILES.notJson, '--public-key', FILES.publicPem], '--file: '],
    ['a key that is neither a key nor a file', ['bundle', '--file', FILES.bundle, '--public-key', 'ledger.pub'], '--public-key: neither an Ed25519 key'],
    ['a key file without a key', ['bundle', '--file', FILES.bundle, '--public-key', FILES.garbageKey], 'garbage.key: public key must be PEM'],
    [
      'a broken inline PEM key',
      ['bundle', '--file', FILES.bundle, '--public-key', publicPem.replace(/[A-Za-z]{8}/, '!!!!!!!!')],
      '--public-key: key is not valid PEM',
    ],
  ])('exits 2 with usage help for %s', async (_case, argv, message) => {
    const result = await cli(argv);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(message);
  });
});
