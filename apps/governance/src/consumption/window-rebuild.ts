// Where the detector topics restart after a restart: far enough back to refill the in-memory windows.
import type { Kafka } from 'kafkajs';
import type { TopicSpec } from '@medshare/contracts';
import { commitGroupOffsets, type GroupOffset } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import { untilDone } from './until-done';

export interface PartitionOffset {
  partition: number;
  offset: string;
}

/**
 * Rewinds to the first offset inside the rebuild period, but never forward past a committed offset:
 * events not handled yet are still handled. A fresh group (no commit, -1) starts at the period. Without
 * `refill` (state kept in PostgreSQL, nothing to refill) a group with a commit keeps it.
 */
export function rebuildOffsets(atPeriodStart: readonly PartitionOffset[], committed: readonly PartitionOffset[], refill = true): PartitionOffset[] {
  const committedBy = new Map(committed.map(({ partition, offset }) => [partition, BigInt(offset)]));
  return atPeriodStart.map(({ partition, offset }) => {
    const start = BigInt(offset);
    const done = committedBy.get(partition) ?? -1n;
    return { partition, offset: (done >= 0n && (done < start || !refill) ? done : start).toString() };
  });
}

export interface Rewind {
  topic: TopicSpec;
  /** Epoch ms: the first event time the group needs. */
  periodStart: number;
  refill: boolean;
}

export class GroupRunningError extends Error {}

/** Commits the rebuild offsets for `groupId` before its real consumer starts. A group with running members is left alone. */
export async function rewindGroup(kafka: Kafka, groupId: string, rewinds: readonly Rewind[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let commits: GroupOffset[];
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const state = groups[0]?.state ?? 'Dead';
    if (state !== 'Empty' && state !== 'Dead') throw new GroupRunningError(`consumer group ${groupId} has running members (${state})`);
    const perTopic = await Promise.all(
      rewinds.map(async ({ topic, periodStart, refill }) => {
        const [atPeriodStart, [committed]] = await Promise.all([
          admin.fetchTopicOffsetsByTimestamp(topic.name, periodStart),
          admin.fetchOffsets({ groupId, topics: [topic.name] }),
        ]);
        return rebuildOffsets(atPeriodStart, committed.partitions, refill).map((target) => ({ topic: topic.name, ...target }));
      }),
    );
    commits = perTopic.flat();
  } finally {
    await admin.disconnect();
  }
  await commitGroupOffsets(
    kafka,
    groupId,
    rewinds.map((rewind) => rewind.topic.name),
    commits,
  );
}

/**
 * rewindGroup at start, tried again until Kafka answers (a ListOffsets that timed out must not end the process);
 * false when another instance runs the group (it keeps its position) after `membersLeaveMs`: the time a killed
 * predecessor stays a member, until its session times out.
 */
export async function rewindAtStart(kafka: Kafka, groupId: string, rewinds: readonly Rewind[], log: Logger, membersLeaveMs = 0): Promise<boolean> {
  const until = Date.now() + membersLeaveMs;
  try {
    await untilDone(`rewind ${groupId}`, () => rewindGroup(kafka, groupId, rewinds), {
      log,
      maxDelayMs: 5_000,
      retry: (error) => !(error instanceof GroupRunningError) || Date.now() < until,
    });
    return true;
  } catch (error) {
    if (!(error instanceof GroupRunningError)) throw error;
    log.warn({ groupId, reason: error.message }, 'group not rewound');
    return false;
  }
}
