// Reads what is on a topic, for tests that check what the platform published. Its consumers never outlive
// close(): kafkajs restarts a crashed consumer on a timer, also when the crash (e.g. a broker restart during
// leaveGroup) races with disconnect(), which left a consumer rejoining for ever after a test file ended.
import type { Consumer, ConsumerConfig, IHeaders, Kafka } from 'kafkajs';
// Relative, not @medshare/messaging: the global set-up loads this file without Jest's module mapping.
import { commitGroupOffsets, type GroupOffset } from '../../libs/messaging/src/group-offsets';
import { eventually } from './eventually';

export interface ClosableConsumer {
  consumer: Consumer;
  /** Disconnects, and no crash after this restarts the consumer. */
  close(): Promise<void>;
}

export function closableConsumer(kafka: Kafka, config: ConsumerConfig): ClosableConsumer {
  let closing = false;
  // A short idle fetch: disconnect() waits for the fetch in flight (kafkajs' default 5 s).
  const consumer = kafka.consumer({ maxWaitTimeInMs: 500, ...config, retry: { ...config.retry, restartOnFailure: async () => !closing } });
  // kafkajs' stop does nothing to a run still starting (joined, not yet fetching): it starts fetching after the
  // disconnect. Its first fetch after close() stops it for good.
  consumer.on(consumer.events.FETCH_START, () => {
    if (closing) void consumer.disconnect().catch(() => undefined);
  });
  return {
    consumer,
    async close() {
      closing = true;
      await consumer.disconnect();
      // A crash handler that decided to restart just before `closing` was set schedules its restart only after
      // its own disconnect: let it finish, then stop again, which clears that restart timer.
      await new Promise((resolveTick) => setImmediate(resolveTick));
      await consumer.disconnect();
    },
  };
}

/**
 * Right after a broker starts, group coordination answers "coordinator is loading" for a while: waits until a
 * throwaway group joins and fetches, then closes it for good.
 */
export async function waitForGroupCoordinator(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<void> {
  const readiness = closableConsumer(kafka, { groupId: `test-readiness-${process.pid}-${Date.now()}`, sessionTimeout: 10_000 });
  const { consumer } = readiness;
  const fetching = new Promise<void>((resolveFetching) => consumer.on(consumer.events.FETCH_START, () => resolveFetching()));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no consumer group could join within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({ eachBatch: async () => undefined });
    await Promise.race([fetching, deadline]);
  } finally {
    clearTimeout(timer);
    await readiness.close();
  }
}

export interface TopicMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export type Offsets = Map<number, bigint>;

/** The high watermark of every partition of `topic`: where the next message will be written. */
export async function topicEnds(kafka: Kafka, topic: string): Promise<Offsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every message on `topic` from `from` (per partition; default the beginning) up to the high watermarks of now,
 * read by a throwaway consumer group.
 */
export async function readTopic(kafka: Kafka, topic: string, { from, timeoutMs }: { from?: Offsets; timeoutMs?: number } = {}): Promise<TopicMessage[]> {
  return readTopics(kafka, [topic], { from: from && new Map([[topic, from]]), timeoutMs });
}

/** Every message on each of `names` (per topic as readTopic), by one consumer group. */
export async function readTopics(
  kafka: Kafka,
  names: readonly string[],
  { from, timeoutMs = 30_000 }: { from?: Map<string, Offsets>; timeoutMs?: number } = {},
): Promise<TopicMessage[]> {
  const start = (topic: string, partition: number) => from?.get(topic)?.get(partition) ?? 0n;
  const ends = new Map<string, Offsets>();
  for (const topic of names) ends.set(topic, await topicEnds(kafka, topic));
  const endOf = (topic: string, partition: number) => ends.get(topic)?.get(partition) ?? 0n;
  const reached = new Map<string, bigint>();
  const at = (topic: string, partition: number) => reached.get(`${topic}/${partition}`) ?? start(topic, partition);
  const done = () => [...ends].every(([topic, offsets]) => [...offsets].every(([partition, end]) => at(topic, partition) >= end));
  const messages: TopicMessage[] = [];
  if (done()) return messages;
  const reader = closableConsumer(kafka, { groupId: `test-reader-${process.pid}-${Date.now()}`, maxBytesPerPartition: 8 * 1024 * 1024 });
  try {
    await reader.consumer.connect();
    await reader.consumer.subscribe({ topics: [...names], fromBeginning: true });
    // Progress from batch events, not from messages: a batch of transaction markers only delivers no message.
    reader.consumer.on(reader.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const next = BigInt(payload.lastOffset) + 1n;
      if (next > at(payload.topic, payload.partition)) reached.set(`${payload.topic}/${payload.partition}`, next);
    });
    await reader.consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const offset = BigInt(message.offset);
        if (offset >= start(topic, partition) && offset < endOf(topic, partition)) {
          messages.push({ topic, partition, offset, key: message.key, value: message.value, headers: message.headers ?? {} });
        }
      },
    });
    for (const [topic, offsets] of from ?? []) {
      for (const [partition, offset] of offsets) if (offset < endOf(topic, partition)) reader.consumer.seek({ topic, partition, offset: String(offset) });
    }
    await eventually(() => done() || undefined, { what: `${names.join(', ')} read to the end`, timeoutMs });
  } finally {
    await reader.close();
  }
  return messages;
}

/**
 * Commits `groupId`'s offsets at the current end of each topic before its consumer first starts, so it reads only
 * what comes next: for a service group whose history on the shared broker a test is not about (a fresh group would
 * replay the whole day of every helper's runs). One short-lived member for all topics (kafkajs' admin.setOffsets
 * joins once per topic and waits out a 5 s idle fetch each time).
 */
export async function startGroupAtEnd(kafka: Kafka, groupId: string, names: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets: GroupOffset[] = [];
  try {
    for (const topic of names) for (const { partition, high } of await admin.fetchTopicOffsets(topic)) offsets.push({ topic, partition, offset: high });
  } finally {
    await admin.disconnect();
  }
  await commitGroupOffsets(kafka, groupId, names, offsets);
}
