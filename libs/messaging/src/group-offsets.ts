// Where a consumer group starts, set before its consumer runs (a projection resuming from its own store, windows
// rebuilt from a period). Kafka takes offset commits only from a member of the group, so a short-lived member
// joins with every partition paused, commits and leaves; kafkajs' admin.setOffsets does the same per topic but
// waits out a 5 s idle fetch each time.
import type { Kafka } from 'kafkajs';

export interface GroupOffset {
  topic: string;
  partition: number;
  /** The next offset the group reads. */
  offset: string;
}

/** The group must have no running member (it would be rebalanced, and its own commits would race these). */
export async function commitGroupOffsets(kafka: Kafka, groupId: string, topics: readonly string[], offsets: readonly GroupOffset[]): Promise<void> {
  const member = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  const joined = new Promise<void>((resolve) => member.on(member.events.GROUP_JOIN, () => resolve()));
  await member.connect();
  try {
    await member.subscribe({ topics: [...topics], fromBeginning: true });
    await member.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    member.pause(topics.map((topic) => ({ topic })));
    await joined;
    await member.commitOffsets([...offsets]);
  } finally {
    await member.disconnect();
  }
}
