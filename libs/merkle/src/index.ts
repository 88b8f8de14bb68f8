// Public surface of @medshare/merkle: RFC 9162 Merkle trees and proofs, C2SP signed checkpoints,
// and the proof bundle the ledger serves and auditors verify.
export { EMPTY_TREE_ROOT, HASH_SIZE, leafHash, leafHashBinary, leafHashInPlace, nodeHash, nodeHashBinary } from './hashing';
export { CompactRange, rootFromLeafHashes, type CompactRangeState, type TreeHead } from './compact-range';
export { MerkleTree, consistencyProof, inclusionProof } from './merkle-tree';
export { verifyInclusion, type InclusionClaim } from './verify-inclusion';
export { verifyConsistency, type ConsistencyClaim } from './verify-consistency';
export type { Verdict } from './verdict';
export { decodeHex } from './encoding';
export { parsePrivateKey, parsePublicKey, rawPublicKey, type PrivateKeyInput, type PublicKeyInput } from './ed25519-keys';
export { noteKeyId, signNote, verifyNote, type NoteVerdict } from './signed-note';
export { formatCheckpoint, readSignedCheckpoint, signCheckpoint, verifyCheckpoint, type Checkpoint, type CheckpointVerdict } from './checkpoint';
export { createProofBundle, verifyProofBundle, type ProofBundle, type ProofBundleInput, type ProofBundleVerdict } from './proof-bundle';
export { BinaryCopyReader, type CopyRow } from './binary-copy-reader';
export { topLevelString, topLevelStringIs } from './top-level-string';
export {
  UNPARSEABLE,
  checkedEvent,
  eventRowChecker,
  eventsCopySql,
  offsetOf,
  readEventRows,
  storedEventOf,
  type CheckedEvent,
  type StoredEvent,
} from './ledger-events';
export { TreeView, nodesRead, type NodeId, type NodeReader } from './tree-view';
export {
  TILE_HEIGHT,
  TILE_WIDTH,
  TileAppender,
  TileNodes,
  edgeTiles,
  parseTilePath,
  tileOfNode,
  tilePath,
  tilesFor,
  tileWidth,
  type Tile,
  type TileNeed,
} from './tiles';
