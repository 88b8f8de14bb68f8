import { generateKeyPairSync } from 'node:crypto';
import { checkedEvent } from '@medshare/merkle';
import { leafOf } from '../block/leaf';
import { EMPTY_CHAIN, sealBlock, type SealedBlock } from '../block/sealed-block';
import { testBlocks } from '../block/test-chain.testing';
import { ChainVerifier, type StoredBlock } from './chain-verifier';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const chainOf = (sizes: number[]): SealedBlock[] => testBlocks(sizes, privateKey);

function stored(block: SealedBlock): StoredBlock {
  return {
    height: block.header.height,
    header: structuredClone(block.header),
    blockHash: block.blockHash,
    signature: block.signature,
    checkpoint: block.checkpoint,
    treeState: block.treeState,
    cursor: block.cursor,
  };
}

function verify(blocks: { block: StoredBlock; events: SealedBlock['events'] }[]) {
  const verifier = new ChainVerifier(publicKey);
  return blocks.flatMap(({ block, events }) => verifier.check(block, events.map(checkedEvent)));
}

type Tamper = (blocks: { block: StoredBlock; events: SealedBlock['events'] }[]) => void;

describe('ChainVerifier', () => {
  it('accepts an untouched chain', () => {
    expect(verify(chainOf([3, 1, 4]).map((block) => ({ block: stored(block), events: block.events })))).toEqual([]);
  });

  it.each<{ name: string; tamper: Tamper; height: number; row: string }>([
    {
      name: 'edited event bytes',
      tamper: (b) => (b[1].events[0] = { ...b[1].events[0], canonical: Buffer.from('{"id":"x"}') }),
      height: 1,
      row: 'event leaf 3',
    },
    { name: 'deleted event row', tamper: (b) => b[2].events.splice(1, 1), height: 2, row: 'event leaf 5' },
    { name: 'edited header field', tamper: (b) => ((b[1].block.header as { time: string }).time = '2020-01-01T00:00:00.000Z'), height: 1, row: 'header' },
    { name: 'swapped signature', tamper: (b) => (b[0].block.signature = b[1].block.signature), height: 0, row: 'header' },
    {
      name: 'offsets leaving a gap',
      tamper: (b) => ((b[2].block.header as { offsets: { first: string }[] }).offsets[0].first = '5'),
      height: 2,
      row: 'header',
    },
    { name: 'edited event type', tamper: (b) => (b[1].events[0] = { ...b[1].events[0], eventType: 'keys.other.v1' }), height: 1, row: 'event leaf 3' },
    {
      name: 'offsets out of order',
      tamper: (b) => ([b[2].events[1].offset, b[2].events[2].offset] = [b[2].events[2].offset, b[2].events[1].offset]),
      height: 2,
      row: 'event leaf 6',
    },
    { name: 'event moved to another block', tamper: (b) => b[2].events.push({ ...b[1].events[0], height: 2 }), height: 2, row: 'event leaf 3' },
  ])('names the height and row of $name', ({ tamper, height, row }) => {
    const blocks = chainOf([3, 1, 4]).map((block) => ({ block: stored(block), events: [...block.events] }));
    tamper(blocks);
    const findings = verify(blocks);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({ height, row });
    // The verifier carries on from the signed state: one bad row does not taint later heights.
    expect(findings.every((finding) => finding.height === height)).toBe(true);
  });

  it('names a stored leaf hash that is not the hash of the stored bytes, and only that', () => {
    const blocks = chainOf([3, 1, 4]).map((block) => ({ block: stored(block), events: [...block.events] }));
    blocks[2].events[2] = { ...blocks[2].events[2], leafHash: Buffer.alloc(32, 7) };
    expect(verify(blocks)).toEqual([{ height: 2, row: 'event leaf 6', problem: 'leaf hash does not match the stored event bytes' }]);
  });

  it("accepts a marker leaf (a message that did not parse) as its type 'unparseable', and names one whose type column was edited", () => {
    const offsets = { topic: 'medshare.keys.v1', partition: 0 };
    const marker = leafOf({ ...offsets, offset: '0', value: Buffer.from('not json') }).leaf;
    const block = sealBlock(EMPTY_CHAIN, [{ ...offsets, offset: '0', leaf: marker }], {
      positions: {},
      time: new Date(),
      signer: { privateKey, origin: 'test.example/ledger' },
    });
    expect(verify([{ block: stored(block), events: block.events }])).toEqual([]);
    const edited = [{ ...block.events[0], eventType: 'keys.kek-rotated.v1' }];
    expect(verify([{ block: stored(block), events: edited }])).toEqual([
      { height: 0, row: 'event leaf 0', problem: 'event id or type does not match the stored event bytes' },
    ]);
  });

  it('names a missing block and event rows beyond the verified tree', () => {
    const blocks = chainOf([1, 1, 1]);
    const verifier = new ChainVerifier(publicKey);
    const findings = [blocks[0], blocks[2]].flatMap((block) => verifier.check(stored(block), block.events.map(checkedEvent)));
    expect(findings[0]).toEqual({ height: 1, row: 'block', problem: 'block is missing' });
    expect(verifier.orphans([{ leafIndex: 9, height: 7 }])).toEqual([{ height: 7, row: 'event leaf 9', problem: 'event row belongs to no block' }]);
  });
});
