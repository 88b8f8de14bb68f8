// Quorum commit against in-memory replicas that fail, lag, hang or lose their lock: a block commits as
// soon as a majority holds it, the slowest replica never holds a commit up, and without a majority
// commits stop (once reported) until one is back.
import { headOf } from '../block/sealed-block';
import { ReplicaSet } from '../replica/replica-set';
import { blocksAfter, chainOf, ledgerKey, MemoryReplica, memoryLogger, sleep, type Behaviour } from './memory-replica.testing';
import { MajorityLockLost, QuorumCommit } from './quorum-commit';
import { ReplicaSync } from './replica-sync';

const TIMEOUT_MS = 300;

async function writerOver(behaviours: Behaviour[]) {
  const chain = chainOf(2);
  const replicas = behaviours.map((_, i) => {
    const replica = new MemoryReplica(`replica-${i + 1}`, TIMEOUT_MS);
    for (const block of chain) replica.store(block);
    return replica;
  });
  const set = new ReplicaSet(replicas);
  const { logger } = memoryLogger();
  const sync = new ReplicaSync(set, { publicKey: ledgerKey.publicKey, logger, onTamper: () => undefined });
  for (const replica of replicas) await replica.acquireWriterLock();
  await sync.takeOver(
    replicas,
    (job) => job(),
    () => true,
  );
  replicas.forEach((replica, i) => (replica.behaviour = behaviours[i]));
  const lost: number[] = [];
  const back: number[] = [];
  const quorum = new QuorumCommit(set, sync, { retryMs: 20, logger, onQuorumLost: (n) => lost.push(n), onQuorumBack: (n) => back.push(n) });
  const next = blocksAfter(headOf(chain[1]), 3);
  const commit = (index: number) =>
    quorum.commit(
      [next[index]],
      () => true,
      async () => undefined,
    );
  return { replicas, sync, quorum, next, commit, lost, back };
}

describe('QuorumCommit', () => {
  it.each([
    { name: 'all replicas healthy: all three hold the block and stay in sync', behaviours: ['ok', 'ok', 'ok'] as Behaviour[], holders: [0, 1, 2] },
    {
      name: 'one replica refuses the write: committed on the other two, the third is no longer fed',
      behaviours: ['ok', 'fail', 'ok'] as Behaviour[],
      holders: [0, 2],
    },
    { name: 'one replica is frozen: committed on the other two without waiting for it', behaviours: ['hang', 'ok', 'ok'] as Behaviour[], holders: [1, 2] },
  ])('$name', async ({ behaviours, holders }) => {
    const { replicas, sync, commit, next, lost } = await writerOver(behaviours);
    const started = Date.now();
    await commit(0);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    expect(sync.committed?.blockHash).toBe(next[0].blockHash);
    expect(replicas.filter((replica) => replica.height === 2).map((replica) => replica.name)).toEqual(holders.map((i) => `replica-${i + 1}`));
    expect(sync.inSyncReplicas.map((replica) => replica.name)).toEqual(holders.map((i) => `replica-${i + 1}`));
    expect(lost).toEqual([]);
  });

  it('a frozen replica times out, loses its session and says why; commits go on without it', async () => {
    const { replicas, sync, commit } = await writerOver(['hang', 'ok', 'ok']);
    await commit(0);
    await sleep(TIMEOUT_MS + 50);
    expect(replicas[0].holdsWriterLock).toBe(false);
    expect(sync.isFollowing(replicas[0])).toBe(false);
    expect(sync.problemOf(replicas[0])).toContain('no answer within');
    await commit(1);
    expect(replicas[0].appends).toBe(1);
    expect([replicas[1].height, replicas[2].height]).toEqual([3, 3]);
  });

  it('a lagging replica never holds a commit up, keeps being fed in order, and ends up holding every block', async () => {
    const { replicas, sync, commit } = await writerOver([{ lagMs: 100 }, 'ok', 'ok']);
    const started = Date.now();
    await commit(0);
    await commit(1);
    await commit(2);
    expect(Date.now() - started).toBeLessThan(100);
    expect(replicas[0].height).toBeLessThan(4);
    expect(sync.isFollowing(replicas[0])).toBe(true);
    await sleep(400);
    expect(replicas[0].height).toBe(4);
    expect(sync.isInSync(replicas[0])).toBe(true);
  });

  it('without a write quorum, stops and retries, and commits when a majority is back, catching the returning replica up', async () => {
    const { replicas, quorum, commit, next, lost, back } = await writerOver(['ok', 'fail', 'fail']);
    const committing = commit(0);
    await sleep(150);
    expect(quorum.commitsBlocked).toBe(true);
    expect(lost.length).toBeGreaterThan(1);
    expect(new Set(lost)).toEqual(new Set([1]));
    replicas[2].behaviour = 'ok';
    await committing;
    expect(quorum.commitsBlocked).toBe(false);
    expect(back).toEqual([2]);
    expect(replicas[2].blocks.get(2)?.blockHash).toBe(next[0].blockHash);
    expect(replicas[1].height).toBe(1);
  });

  it('counts a replica whose write was reported failed but did commit', async () => {
    const { replicas, commit, next } = await writerOver(['ok', 'fail', 'fail']);
    const committing = commit(0);
    await sleep(50);
    // The write "failed" at the client, yet the server committed it.
    replicas[1].store(next[0]);
    replicas[1].behaviour = 'ok';
    // Replica 3 still refuses: the commit resolves only because replica 2 counts.
    await committing;
    expect(replicas.map((replica) => replica.height)).toEqual([2, 2, 1]);
    expect(replicas[1].rows.size).toBe(9);
  });

  it('steps down when the writer lock is lost on a majority', async () => {
    const { replicas, commit, lost } = await writerOver(['ok', 'ok', 'ok']);
    await replicas[0].releaseWriterLock();
    await replicas[1].releaseWriterLock();
    await expect(commit(0)).rejects.toBeInstanceOf(MajorityLockLost);
    expect(lost).toEqual([1]);
    expect(replicas.map((replica) => replica.height)).toEqual([1, 1, 1]);
  });
});
