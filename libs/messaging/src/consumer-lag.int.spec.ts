// Issue 9 §8: the consumer-lag gauge must grow while a handler is stuck (it was set only after a batch completed)
// and must drop partitions this member no longer holds (they stayed at their last value for ever).
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { testAlert } from '../../../test/support/events';
import { BatchConsumer } from './batch-consumer';
import { ConsumerLag } from './consumer-lag';
import { EventPublisher } from './event-publisher';
import { createKafka } from './kafka';
import { messagingMetrics } from './metrics';

const topic = topics.governanceAlerts;
const alert = (summary: string) => testAlert(summary, { institution: 'hosp-lag' });

async function lagOf(groupId: string): Promise<Map<string, number>> {
  const { values } = await messagingMetrics.lag.get();
  return new Map(values.filter((value) => value.labels.group === groupId).map((value) => [`${value.labels.topic}/${value.labels.partition}`, value.value]));
}

describe('consumer lag gauge', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `lag-int-${randomUUID()}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher.disconnect();
  });

  it('grows while the handler is stuck on a batch, from the committed offsets and high watermarks', async () => {
    const groupId = `lag-stuck-${randomUUID()}`;
    const marker = randomUUID();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    const consumer = new BatchConsumer(kafka, publisher, {
      groupId,
      topics: [topic],
      fromBeginning: false,
      lagRefreshMs: 200,
      handle: async (events) => {
        if (!events.some((consumed) => consumed.event.type === 'governance.alert.v1' && consumed.event.data.summary.startsWith(marker))) return;
        handled += 1;
        // The first batch with our events completes (a commit exists); the second one hangs.
        if (handled > 1) await released;
      },
    });
    await consumer.start();
    try {
      await publisher.publish(topic, [alert(`${marker} first`)]);
      await eventually(() => handled >= 1 || undefined, { what: 'the first batch handled' });
      await publisher.publish(topic, [alert(`${marker} stuck`)]);
      await eventually(() => handled >= 2 || undefined, { what: 'the handler stuck on the second batch' });
      await publisher.publish(
        topic,
        Array.from({ length: 5 }, (_, index) => alert(`${marker} behind ${index}`)),
      );
      // Other tests may publish to this topic too: at least our 6 uncommitted events are behind.
      const lag = await eventually(
        async () => {
          const value = (await lagOf(groupId)).get(`${topic.name}/0`);
          return value !== undefined && value >= 6 ? value : undefined;
        },
        { what: 'the lag gauge counting the events behind the stuck batch' },
      );
      expect(lag).toBeGreaterThanOrEqual(6);
    } finally {
      release();
      await consumer.stop();
    }
    expect(await lagOf(groupId)).toEqual(new Map());
  });

  it('drops the partitions a rebalance took away', async () => {
    const groupId = `lag-rebalance-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    const lag = new ConsumerLag(admin, groupId, 60_000);
    try {
      const [{ partition, high }] = await admin.fetchTopicOffsets(topics.keys.name);
      await admin.setOffsets({ groupId, topic: topics.keys.name, partitions: [{ partition, offset: '0' }] });
      lag.assign({ [topics.keys.name]: [partition] });
      await lag.refresh();
      // Committed at 0: everything up to the high watermark is behind (more, if someone published meanwhile).
      expect((await lagOf(groupId)).get(`${topics.keys.name}/${partition}`)).toBeGreaterThanOrEqual(Number(high));
      lag.assign({});
      expect(await lagOf(groupId)).toEqual(new Map());
    } finally {
      await lag.stop();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
