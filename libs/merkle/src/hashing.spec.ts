// Known answers for the RFC 9162 hash functions, from transparency-dev/merkle rfc6962/rfc6962_test.go.
import { EMPTY_TREE_ROOT, leafHash, leafHashInPlace, nodeHash } from './hashing';

describe('RFC 9162 hashing', () => {
  it.each([
    ['the empty tree is SHA-256 of the empty string', EMPTY_TREE_ROOT, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['an empty leaf is SHA-256(0x00), not the empty tree', leafHash(Buffer.alloc(0)), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'],
    ['a leaf is SHA-256(0x00 || data)', leafHash(Buffer.from('L123456')), '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56'],
    [
      'a node is SHA-256(0x01 || left || right)',
      nodeHash(Buffer.from('N123'), Buffer.from('N456')),
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    ],
  ])('%s', (_case, actual, expectedHex) => {
    expect(actual.toString('hex')).toBe(expectedHex);
  });

  it('separates leaves from nodes, and left from right', () => {
    const [hello, world] = [leafHash(Buffer.from('Hello')), leafHash(Buffer.from('World'))];
    const node = nodeHash(hello, world);
    expect(node.equals(leafHash(Buffer.concat([hello, world])))).toBe(false);
    expect(node.equals(nodeHash(world, hello))).toBe(false);
  });

  it('hashes a leaf in place: the same hash, and the borrowed byte put back', () => {
    const stream = Buffer.from('\x07L123456 and what follows', 'latin1');
    const leaf = leafHashInPlace(stream.subarray(0, 8));
    expect(Buffer.from(leaf, 'latin1').toString('hex')).toBe('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
    expect(stream.toString('latin1')).toBe('\x07L123456 and what follows');
    expect(leafHashInPlace(stream.subarray(3, 4))).toBe(leafHash(Buffer.alloc(0)).toString('latin1'));
  });
});
