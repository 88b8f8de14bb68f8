// Serves inclusion and consistency proofs over the whole log from the tiled tree on disk (proofs/tiled-tree.ts),
// grown from a committed head's holders up to that head and checked against the ledger's signed checkpoints.
// Every proof is verified against the signed root before it leaves, so a damaged tile never reaches an auditor.
import type { KeyObject } from 'node:crypto';
import { createProofBundle, verifyCheckpoint, verifyConsistency, verifyInclusion, type ProofBundle, type TreeHead, type TreeView } from '@medshare/merkle';
import { LedgerError, LedgerErrorCode } from '../ledger-error';
import type { TiledTree, LeafSource } from '../proofs/tiled-tree';
import type { CommittedHead, QuorumView } from '../replica/quorum-view';
import type { Replica } from '../replica/replica';
import { SerialQueue } from '../writer/serial-queue';

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
  private readonly queue = new SerialQueue();
  /** The head whose root the tiles were last found to give; proofs at it need no check of the tiles' state. */
  private readyFor?: string;
  /** An answer from the tiles did not verify: a tile is damaged somewhere, so they are rebuilt from the leaves. */
  private rebuild = false;

  constructor(
    private readonly quorum: QuorumView,
    private readonly tree: TiledTree,
    private readonly publicKey: KeyObject,
  ) {}

  async proofOf(eventId: string): Promise<ProofBundle> {
    const head = await this.requireHead();
    const [holder] = head.holders;
    const event = await holder.eventById(eventId);
    const { treeSize, treeRoot } = head.block.header;
    if (!event || event.leafIndex >= treeSize) throw new LedgerError(LedgerErrorCode.NotFound, 'the event is not in a committed block');
    const { leafIndex } = event;
    const reads = (view: TreeView) => ({ leafHash: view.leafHash(leafIndex), proof: view.inclusionProof(leafIndex, treeSize), root: view.root(treeSize) });
    return this.answer(head, reads, (view) => {
      const bundle = createProofBundle({ eventId, leafIndex, tree: view, signedCheckpoint: head.block.checkpoint, leafData: event.canonical });
      return verifyInclusion({ leafIndex, treeSize, ...reads(view), rootHash: Buffer.from(treeRoot, 'hex') }).ok ? bundle : undefined;
    });
  }

  async consistency(size1: number, size2: number): Promise<ConsistencyAnswer> {
    const head = await this.requireHead();
    const { treeSize, treeRoot } = head.block.header;
    if (!(size1 <= size2 && size2 <= treeSize))
      throw new LedgerError(LedgerErrorCode.InvalidRequest, `need 0 <= from <= to <= ${treeSize} (the committed tree size)`);
    const reads = (view: TreeView) => ({
      root1: view.root(size1),
      root2: view.root(size2),
      proof: view.consistencyProof(size1, size2),
      root: view.root(treeSize),
    });
    return this.answer(head, reads, (view) => {
      const { root1, root2, proof, root } = reads(view);
      if (root.toString('hex') !== treeRoot || !verifyConsistency({ size1, size2, root1, root2, proof }).ok) return undefined;
      const hex = (hash: Buffer) => hash.toString('hex');
      return { size1, size2, root1: hex(root1), root2: hex(root2), proof: proof.map(hex), checkpoint: head.block.checkpoint };
    });
  }

  /**
   * Fetches the tiles `reads` needs at the head and computes the answer from them; a 503 when the tiles cannot
   * give one that verifies against the signed root (then the next request checks the tiles again).
   */
  private async answer<T>(head: CommittedHead, reads: (view: TreeView) => unknown, compute: (view: TreeView) => T | undefined): Promise<T> {
    await this.tilesAt(head);
    try {
      const answer = compute(await this.tree.view(head.block.header.treeSize, reads));
      if (answer !== undefined) return answer;
    } catch {
      // Below.
    }
    this.readyFor = undefined;
    this.rebuild = true;
    throw new LedgerError(LedgerErrorCode.NoQuorum, 'the proof tree does not match the signed tree head');
  }

  private async requireHead(): Promise<CommittedHead> {
    const head = await this.quorum.committedHead();
    if (!head || head.holders.length === 0) throw new LedgerError(LedgerErrorCode.NotFound, 'the ledger has no committed block yet');
    return head;
  }

  /**
   * Tiles covering the head, giving its root: grown from a holder's leaves if short (the next holder if one's
   * leaves do not give the signed roots); if no holder can grow them, or they give another root (another chain's
   * tiles, or damaged ones), or an answer from them did not verify, they are dropped and rebuilt once.
   */
  private async tilesAt(head: CommittedHead): Promise<void> {
    const { treeSize, treeRoot } = head.block.header;
    if (this.readyFor === treeRoot) return;
    await this.queue.run(async () => {
      for (const fresh of this.rebuild ? [true] : [false, true]) {
        if (fresh) await this.tree.clear();
        this.rebuild = false;
        for (const holder of head.holders) {
          try {
            await this.tree.growTo(treeSize, this.leavesOf(holder));
            const view = await this.tree.view(treeSize, (tree) => tree.root(treeSize));
            if (view.root(treeSize).toString('hex') === treeRoot) {
              this.readyFor = treeRoot;
              return;
            }
          } catch {
            // The next holder, then a rebuild.
          }
        }
      }
      throw new LedgerError(LedgerErrorCode.NoQuorum, 'no replica serves leaves that match the signed tree head');
    });
  }

  private leavesOf(holder: Replica): LeafSource {
    return {
      leafHashes: (from, to) => holder.leafHashes(from, to),
      signedHeadAfter: async (from, limit): Promise<TreeHead | undefined> => {
        const note = await holder.checkpointAfter(from, limit);
        const verdict = note === undefined ? undefined : verifyCheckpoint(note, this.publicKey);
        return verdict?.ok ? verdict.checkpoint : undefined;
      },
    };
  }
}
