import type { BlockHeader } from '../block/block-header';
import { BlockAnnouncer } from './block-announcer';
import { chainOf, memoryLogger } from './memory-replica.testing';

/** A publisher that records the heights of each publish; the first `held` publishes wait until released. */
function recordingPublisher(held = 0) {
  const sends: number[][] = [];
  const releases: (() => void)[] = [];
  const publisher = {
    async publish(_topic: unknown, events: readonly { data: { header: BlockHeader } }[]): Promise<void> {
      sends.push(events.map(({ data }) => data.header.height));
      if (sends.length <= held) await new Promise<void>((resolve) => releases.push(resolve));
    },
    async publishRaw(): Promise<void> {},
  };
  return { publisher, sends, releases };
}

describe('BlockAnnouncer', () => {
  it("announces a group commit's blocks in one publish, in height order, and commits the offsets once", async () => {
    const { publisher, sends } = recordingPublisher();
    const announcer = new BlockAnnouncer(publisher as never, memoryLogger().logger, 'ledger');
    const commits: BlockHeader['offsets'][] = [];
    const blocks = chainOf(3);
    for (const block of blocks) announcer.announce(block, [], async (offsets) => void commits.push(offsets));
    await announcer.drain();
    expect(sends).toEqual([[0, 1, 2]]);
    // Where the last block left the partition: the lag Kafka shows is the chain's.
    expect(commits).toEqual([blocks[2].header.offsets]);
  });

  it('sends blocks committed while a header publish is on its way together in the next one', async () => {
    const { publisher, sends, releases } = recordingPublisher(1);
    const announcer = new BlockAnnouncer(publisher as never, memoryLogger().logger, 'ledger');
    const [first, ...later] = chainOf(3);
    announcer.announce(first, [], async () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    for (const block of later) announcer.announce(block, [], async () => undefined);
    releases[0]();
    await announcer.drain();
    expect(sends).toEqual([[0], [1, 2]]);
  });
});
