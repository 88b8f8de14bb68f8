// RFC 9162 §2.1.3.2: verifying an inclusion proof, step by step as the RFC writes it.
import { HASH_SIZE, nodeHash } from './hashing';
import { isTreeSize } from './tree-size';
import { invalid, VALID, type Verdict } from './verdict';

export interface InclusionClaim {
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  /** The inclusion_path, from the leaf's sibling upwards. */
  proof: readonly Uint8Array[];
  rootHash: Uint8Array;
}

export function verifyInclusion({ leafIndex, treeSize, leafHash, proof, rootHash }: InclusionClaim): Verdict {
  if (!isTreeSize(leafIndex)) return invalid('leaf index must be a non-negative safe integer');
  if (!isTreeSize(treeSize)) return invalid('tree size must be a non-negative safe integer');
  if (leafHash.length !== HASH_SIZE) return invalid(`leaf hash must be ${HASH_SIZE} bytes`);
  if (rootHash.length !== HASH_SIZE) return invalid(`root hash must be ${HASH_SIZE} bytes`);
  const badElement = proof.findIndex((p) => p.length !== HASH_SIZE);
  if (badElement >= 0) return invalid(`inclusion proof element ${badElement} must be ${HASH_SIZE} bytes`);

  // 1. leaf_index >= tree_size fails.
  if (leafIndex >= treeSize) return invalid(`leaf index ${leafIndex} is not below tree size ${treeSize}`);
  // 2. fn = leaf_index, sn = tree_size - 1. BigInt keeps the bit operations exact above 2^31.
  let fn = BigInt(leafIndex);
  let sn = BigInt(treeSize) - 1n;
  // 3. r = hash.
  let r: Uint8Array = leafHash;
  // 4. For each p in inclusion_path:
  for (const p of proof) {
    // a. sn = 0 means the path is longer than the tree is tall.
    if (sn === 0n) return invalid(`inclusion proof has ${proof.length} elements, more than the tree needs`);
    // b. p is a left sibling when fn is a right child or the last node of its level.
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      // ii. Skip the levels where the node has no right sibling.
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    // c.
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5. sn = 0 and r = root_hash.
  if (sn !== 0n) return invalid(`inclusion proof has ${proof.length} elements, fewer than the tree needs`);
  if (!Buffer.from(r).equals(rootHash)) return invalid('inclusion proof does not lead to the root hash');
  return VALID;
}
