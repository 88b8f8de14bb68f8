// RFC 9162 §2.1.4.2: verifying consistency between two tree heads, step by step as the RFC writes it.
import { EMPTY_TREE_ROOT, HASH_SIZE, nodeHash } from './hashing';
import { isPowerOfTwo, isTreeSize } from './tree-size';
import { invalid, VALID, type Verdict } from './verdict';

export interface ConsistencyClaim {
  size1: number;
  size2: number;
  root1: Uint8Array;
  root2: Uint8Array;
  /** The consistency_path. */
  proof: readonly Uint8Array[];
}

export function verifyConsistency({ size1, size2, root1, root2, proof }: ConsistencyClaim): Verdict {
  if (!isTreeSize(size1)) return invalid('first tree size must be a non-negative safe integer');
  if (!isTreeSize(size2)) return invalid('second tree size must be a non-negative safe integer');
  if (root1.length !== HASH_SIZE) return invalid(`first root hash must be ${HASH_SIZE} bytes`);
  if (root2.length !== HASH_SIZE) return invalid(`second root hash must be ${HASH_SIZE} bytes`);
  const badElement = proof.findIndex((p) => p.length !== HASH_SIZE);
  if (badElement >= 0) return invalid(`consistency proof element ${badElement} must be ${HASH_SIZE} bytes`);

  // The RFC algorithm assumes 0 < first < second; the cases outside it have nothing to prove, so
  // the proof must be empty and the roots must speak for themselves.
  if (size1 > size2) return invalid(`first tree size ${size1} exceeds second tree size ${size2}`);
  // Stricter than "anything is consistent with the empty tree": a size-0 head must be a real one.
  if (size1 === 0 && !Buffer.from(root1).equals(EMPTY_TREE_ROOT)) return invalid('first root is not the empty tree hash');
  if (size1 === size2) {
    if (proof.length !== 0) return invalid('trees of equal size need an empty consistency proof');
    return Buffer.from(root1).equals(root2) ? VALID : invalid('trees of equal size have different roots');
  }
  if (size1 === 0) {
    return proof.length === 0 ? VALID : invalid('an empty first tree needs an empty consistency proof');
  }

  // 1. An empty consistency_path fails.
  if (proof.length === 0) return invalid('consistency proof is empty');
  // 2. When first is a power of two its root is a node of the second tree, and the proof omits it.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // 3. fn = first - 1, sn = second - 1. BigInt keeps the bit operations exact above 2^31.
  let fn = BigInt(size1) - 1n;
  let sn = BigInt(size2) - 1n;
  // 4. Climb to the first level where fn is a left child.
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5. fr = sr = consistency_path[0].
  let fr: Uint8Array = path[0];
  let sr: Uint8Array = path[0];
  // 6. For each subsequent c:
  for (const c of path.slice(1)) {
    // a.
    if (sn === 0n) return invalid(`consistency proof has ${proof.length} elements, more than the trees need`);
    // b. c is a left sibling, shared by both trees.
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      // iii.
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      // Otherwise c is a right sibling that only the second tree has.
      sr = nodeHash(sr, c);
    }
    // c.
    fn >>= 1n;
    sn >>= 1n;
  }
  // 7. fr = first_hash, sr = second_hash, sn = 0.
  if (sn !== 0n) return invalid(`consistency proof has ${proof.length} elements, fewer than the trees need`);
  if (!Buffer.from(fr).equals(root1)) return invalid('consistency proof does not lead to the first root');
  if (!Buffer.from(sr).equals(root2)) return invalid('consistency proof does not lead to the second root');
  return VALID;
}
