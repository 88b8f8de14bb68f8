// Serves inclusion and consistency proofs over the whole log: an in-memory RFC 9162 tree of every leaf
// hash, filled on first use and extended as the chain grows, checked against the signed tree head.
import { createProofBundle, MerkleTree, type ProofBundle } from '@medshare/merkle';
import { LedgerError, LedgerErrorCode } from '../ledger-error';
import type { CommittedHead, QuorumView } from '../replica/quorum-view';
import { SerialQueue } from '../writer/serial-queue';

const LEAVES_PER_QUERY = 20_000;

export interface ConsistencyAnswer {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
  /** The signed checkpoint of the current head, which the larger tree is never above. */
  checkpoint: string;
}

export class ProofIndex {
  private tree = new MerkleTree();
  private readonly queue = new SerialQueue();

  constructor(private readonly quorum: QuorumView) {}

  async proofOf(eventId: string): Promise<ProofBundle> {
    const head = await this.requireHead();
    const [holder] = head.holders;
    const event = await holder.eventById(eventId);
    if (!event || event.leafIndex >= head.block.header.treeSize) throw new LedgerError(LedgerErrorCode.NotFound, 'the event is not in a committed block');
    const tree = await this.treeAt(head);
    return createProofBundle({ eventId, leafIndex: event.leafIndex, tree, signedCheckpoint: head.block.checkpoint, leafData: event.canonical });
  }

  async consistency(size1: number, size2: number): Promise<ConsistencyAnswer> {
    const head = await this.requireHead();
    const treeSize = head.block.header.treeSize;
    if (!(size1 <= size2 && size2 <= treeSize))
      throw new LedgerError(LedgerErrorCode.InvalidRequest, `need 0 <= from <= to <= ${treeSize} (the committed tree size)`);
    const tree = await this.treeAt(head);
    return {
      size1,
      size2,
      root1: tree.root(size1).toString('hex'),
      root2: tree.root(size2).toString('hex'),
      proof: tree.consistencyProof(size1, size2).map((hash) => hash.toString('hex')),
      checkpoint: head.block.checkpoint,
    };
  }

  private async requireHead(): Promise<CommittedHead> {
    const head = await this.quorum.committedHead();
    if (!head || head.holders.length === 0) throw new LedgerError(LedgerErrorCode.NotFound, 'the ledger has no committed block yet');
    return head;
  }

  /** The tree grown to the head's size from a holder's leaf hashes; rebuilt if its root is not the head's. */
  private treeAt(head: CommittedHead): Promise<MerkleTree> {
    return this.queue.run(async () => {
      const { treeSize, treeRoot } = head.block.header;
      if (this.tree.size > treeSize) this.tree = new MerkleTree();
      for (const holder of head.holders) {
        try {
          while (this.tree.size < treeSize) {
            const hashes = await holder.leafHashes(this.tree.size, Math.min(treeSize, this.tree.size + LEAVES_PER_QUERY));
            if (hashes.length === 0) throw new Error(`${holder.name} lacks leaves from ${this.tree.size}`);
            for (const hash of hashes) this.tree.append(hash);
          }
          if (this.tree.root(treeSize).toString('hex') === treeRoot) return this.tree;
        } catch {
          // Try the next holder from scratch.
        }
        this.tree = new MerkleTree();
      }
      throw new LedgerError(LedgerErrorCode.NoQuorum, 'no replica serves leaves that match the signed tree head');
    });
  }
}
