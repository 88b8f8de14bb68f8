// `medshare-verify inclusion`: checks an RFC 9162 inclusion proof given on the command line.
import { verifyInclusion } from '@medshare/merkle';
import { parseCount, parseHash, parseHashList, report, type Command } from '../cli';

export const inclusionCommand: Command<'leaf-hash' | 'index' | 'size' | 'root' | 'proof'> = {
  name: 'inclusion',
  summary: 'check an RFC 9162 inclusion proof',
  flags: {
    'leaf-hash': { value: 'HEX', description: 'the leaf hash, SHA-256(0x00 || leaf data)' },
    index: { value: 'N', description: 'the 0-based index of the leaf' },
    size: { value: 'N', description: 'the tree size the proof is for' },
    root: { value: 'HEX', description: 'the root hash of the tree of that size' },
    proof: { value: 'HEX,HEX,...', description: "the inclusion path, leaf side first; '' when empty" },
  },
  example: "medshare-verify inclusion --leaf-hash 6e34... --index 0 --size 1 --root 6e34... --proof ''",
  async run(values, io) {
    const leafIndex = parseCount('index', values.index);
    const treeSize = parseCount('size', values.size);
    const rootHash = parseHash('root', values.root);
    const verdict = verifyInclusion({
      leafIndex,
      treeSize,
      leafHash: parseHash('leaf-hash', values['leaf-hash']),
      proof: parseHashList('proof', values.proof),
      rootHash,
    });
    return report(io, verdict, [`leaf ${leafIndex} is in the tree of size ${treeSize} with root ${rootHash.toString('hex')}`]);
  },
};
