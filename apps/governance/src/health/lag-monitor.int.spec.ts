// The consumer-lag alert against the real broker and PostgreSQL: a group that stops consuming while messages keep
// coming is raised once its lag stays above the threshold for the allowed time; a caught-up group is not; an
// episode ends when the group catches up.
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { createLogger, openDatabase } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../../../../test/support/endpoints';
import { closableConsumer, type ClosableConsumer } from '../../../../test/support/topic-reader';
import { AlertRaiser } from '../alerts/alert-raiser';
import { AlertsRepository } from '../alerts/alerts.repository';
import { loadGovernanceConfig } from '../config';
import { migrations } from '../migrations';
import { OutboxRepository } from '../outbox/outbox.repository';
import { LagMonitor } from './lag-monitor';

const run = randomBytes(4).toString('hex');
const topic = `medshare-test-lag-${run}`;
const databaseName = `governance_lag_${run}`;
const log = createLogger('lag-int', 'silent');

describe('consumer-lag alerts', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;
  let dataSource: DataSource;
  let monitor: LagMonitor;
  const members: ClosableConsumer[] = [];

  /** A member of `groupId` that committed `offset` on the topic and then stopped fetching (paused), staying in its group. */
  async function stalledMember(groupId: string, offset: number): Promise<Consumer> {
    const member = closableConsumer(kafka, { groupId, sessionTimeout: 10_000 });
    members.push(member);
    const { consumer } = member;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    consumer.pause([{ topic }]);
    await joined;
    await consumer.commitOffsets([{ topic, partition: 0, offset: String(offset) }]);
    return consumer;
  }

  async function raisedFor(group: string): Promise<{ kind: string; published: boolean; details: Record<string, unknown> }[]> {
    return dataSource.query(
      `SELECT event->'data'->>'kind' AS kind, published_at IS NOT NULL AS published, event->'data'->'details' AS details FROM outbox WHERE event->'data'->'details'->>'group' = $1`,
      [group],
    );
  }

  beforeAll(async () => {
    const { kafkaBrokers, stateServer } = testEndpoints();
    kafka = createKafka({ brokers: kafkaBrokers, clientId: `lag-int-${run}` });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    const config = loadGovernanceConfig({
      KAFKA_BROKERS: kafkaBrokers.join(','),
      DATABASE_URL: databaseUrl(stateServer, databaseName),
      CONSUMER_LAG_THRESHOLD: '10',
      CONSUMER_LAG_FOR_MS: '2000',
      CONSUMER_LAG_CHECK_MS: '3600000',
    });
    dataSource = await openDatabase({ url: config.DATABASE_URL, entities: [], migrations });
    monitor = new LagMonitor(
      kafka,
      config,
      dataSource,
      log,
      new AlertRaiser(new AlertsRepository(dataSource), new OutboxRepository(dataSource), publisher, log),
    );
    await monitor.start();
  }, 60_000);

  afterAll(async () => {
    await monitor?.beforeApplicationShutdown();
    for (const member of members) await member.close();
    await publisher?.disconnect();
    await dataSource?.destroy();
    await dropDatabase(testEndpoints().stateServer, databaseName);
  });

  it('raises consumer-lag for a group that stays behind, not for one that keeps up, and ends the episode when it catches up', async () => {
    const stalled = `lag-stalled-${run}`;
    const current = `lag-current-${run}`;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 30 }, (_, n) => ({ value: `m${n}` })) });
    await producer.disconnect();
    const stalledMemberOf = await stalledMember(stalled, 0);
    await stalledMember(current, 30);

    const started = Date.now();
    await monitor.check(started);
    // Over the threshold, but not for long enough yet.
    expect(await raisedFor(stalled)).toEqual([]);
    await monitor.check(started + 2500);
    expect(await raisedFor(stalled)).toEqual([
      { kind: 'consumer-lag', published: true, details: expect.objectContaining({ group: stalled, lag: 30, threshold: 10 }) },
    ]);
    await monitor.check(started + 5000);
    expect(await raisedFor(stalled)).toHaveLength(1);
    expect(await raisedFor(current)).toEqual([]);

    await stalledMemberOf.commitOffsets([{ topic, partition: 0, offset: '30' }]);
    await monitor.check(started + 7500);
    expect(await dataSource.query(`SELECT group_id FROM lag_episodes WHERE group_id = ANY($1)`, [[stalled, current]])).toEqual([]);
  }, 60_000);
});
