// `medshare-verify consistency`: checks an RFC 9162 consistency proof between two tree heads.
import { verifyConsistency } from '@medshare/merkle';
import { parseCount, parseHash, parseHashList, report, type Command } from '../cli';

export const consistencyCommand: Command<'size1' | 'size2' | 'root1' | 'root2' | 'proof'> = {
  name: 'consistency',
  summary: 'check an RFC 9162 consistency proof between two tree heads',
  flags: {
    size1: { value: 'N', description: 'the older tree size' },
    size2: { value: 'N', description: 'the newer tree size' },
    root1: { value: 'HEX', description: 'the older root hash' },
    root2: { value: 'HEX', description: 'the newer root hash' },
    proof: { value: 'HEX,HEX,...', description: "the consistency proof; '' when empty" },
  },
  example: 'medshare-verify consistency --size1 4 --size2 8 --root1 d37e... --root2 5dc9... --proof 6b47...',
  async run(values, io) {
    const size1 = parseCount('size1', values.size1);
    const size2 = parseCount('size2', values.size2);
    const root1 = parseHash('root1', values.root1);
    const root2 = parseHash('root2', values.root2);
    const verdict = verifyConsistency({ size1, size2, root1, root2, proof: parseHashList('proof', values.proof) });
    return report(io, verdict, [
      `the tree of size ${size1} with root ${root1.toString('hex')}`,
      `is a prefix of the tree of size ${size2} with root ${root2.toString('hex')}`,
    ]);
  },
};
