// The consumer host against the real broker: what it starts is joined and ready, a consumer that stops for good
// turns readiness off naming it, and after the host's stop nothing is left running and nothing new starts.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { deadLetterTopic, topics } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { testAlert } from '../../../test/support/events';
import { readTopic, topicEnds } from '../../../test/support/topic-reader';
import type { BatchConsumer, ConsumedEvent } from './batch-consumer';
import { ConsumerHost } from './consumer-host';
import { EventPublisher } from './event-publisher';
import { createKafka, type KafkaLog } from './kafka';

describe('ConsumerHost', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `host-int-${randomUUID()}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher.disconnect();
  });

  it('hosts consumers from start to stop: joined, ready, poison dead-lettered with its reason, then all stopped', async () => {
    const host = new ConsumerHost(kafka, publisher);
    const marker = randomUUID();
    const seen: ConsumedEvent[] = [];
    try {
      const handler = await host.consume('alerts', {
        groupId: `host-alerts-${randomUUID()}`,
        topics: [topics.governanceAlerts],
        fromBeginning: false,
        handle: async (events, context) => {
          for (const consumed of events) {
            if (consumed.event.type !== 'governance.alert.v1' || !consumed.event.data.summary.startsWith(marker)) continue;
            if (consumed.event.data.summary.endsWith('poison')) context.reject(consumed, 'poison test alert');
            else seen.push(consumed);
          }
        },
      });
      const idle = await host.consume('idle', {
        groupId: `host-idle-${randomUUID()}`,
        topics: [topics.governanceAlerts],
        fromBeginning: false,
        handle: async () => undefined,
      });
      expect(() => host.check()).not.toThrow();
      await expect(
        host.consume('idle', { groupId: `host-twice-${randomUUID()}`, topics: [topics.governanceAlerts], handle: async () => undefined }),
      ).rejects.toThrow(/already hosted/);

      const from = await topicEnds(kafka, deadLetterTopic.name);
      const poison = testAlert(`${marker} poison`);
      await publisher.publish(topics.governanceAlerts, [testAlert(`${marker} fine`), poison]);
      await eventually(() => seen.length === 1 || undefined, { what: 'the good alert handled' });
      const dead = await eventually(
        async () => (await readTopic(kafka, deadLetterTopic.name, { from })).find((message) => message.value?.toString().includes(poison.id)),
        { what: 'the poison alert dead-lettered' },
      );
      expect(Object.fromEntries(Object.entries(dead.headers).map(([name, value]) => [name, String(value)]))).toMatchObject({
        'dlq.reason': 'poison test alert',
        'dlq.topic': topics.governanceAlerts.name,
        'dlq.group': expect.stringMatching(/^host-alerts-/),
      });

      // A consumer that stops outside the host (as after a crash kafkajs gives up on) turns readiness off, by name.
      await idle.stop();
      expect(() => host.check()).toThrow('consumers not running: idle');
      await host.stop();
      expect(handler.isRunning).toBe(false);
      await expect(
        host.consume('late', { groupId: `host-late-${randomUUID()}`, topics: [topics.governanceAlerts], handle: async () => undefined }),
      ).rejects.toThrow(/stopping/);
    } finally {
      await host.stop();
    }
  });

  it('stays stopped when stopped while kafkajs handles a crash (no restart into the group after stop)', async () => {
    const marker = randomUUID();
    const groupId = `host-crash-stop-${marker}`;
    let stopping: Promise<void> | undefined;
    // kafkajs logs the crash, then disconnects, then decides on the restart: the stop comes in between.
    const crashLog: KafkaLog = {
      error: (_fields, message) => {
        if (message.startsWith('Crash:') && !stopping) stopping = host.stop();
      },
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
    };
    const host = new ConsumerHost(createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `host-crash-${marker}`, log: crashLog }), publisher);
    const admin = kafka.admin();
    await admin.connect();
    let failing: BatchConsumer | undefined;
    try {
      failing = await host.consume('failing', {
        groupId,
        topics: [topics.governanceAlerts],
        fromBeginning: false,
        // No retries of ours: kafkajs' own (~3 s), then the crash it would restart from.
        maxAttempts: 1,
        handle: async (events) => {
          if (events.some(({ event }) => event.type === 'governance.alert.v1' && event.data.summary.startsWith(marker))) throw new Error('handler failure');
        },
      });
      // Again until it crashes: a publish before the member's first fetch is behind its start (the topic's end).
      await eventually(
        async () => {
          if (!stopping) await publisher.publish(topics.governanceAlerts, [testAlert(`${marker} fails`)]);
          return stopping !== undefined || undefined;
        },
        { what: 'the crash', timeoutMs: 60_000, intervalMs: 2000 },
      );
      await stopping;
      // kafkajs restarts after its last retry time (about 1 s here), then joins: the group must stay empty meanwhile.
      for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((resolveWait) => setTimeout(resolveWait, 250))) {
        const [group] = (await admin.describeGroups([groupId])).groups;
        expect(group.members.map(({ memberId }) => memberId)).toEqual([]);
      }
    } finally {
      await host.stop();
      // Again, past the host (which let it go at its first stop): clears a restart kafkajs planned after that stop.
      await failing?.stop();
      await admin.disconnect();
    }
  }, 90_000);
});
