// A consumer the group coordinator dropped (its batch outlived the session, as on a loaded machine) joins its group
// again by itself and goes on consuming, and readiness stays on.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { testAlert } from '../../../test/support/events';
import { ConsumerHost } from './consumer-host';
import { EventPublisher } from './event-publisher';
import { createKafka, type KafkaLog } from './kafka';

const run = randomUUID().slice(0, 8);
const topic = topics.governanceAlerts;
/** BatchConsumer's session is 10 s: a first batch that takes longer loses the membership. */
const STALL_MS = 14_000;

describe('BatchConsumer rejoins after losing its group membership', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;
  const crashes: { error: string; restart: boolean }[] = [];
  const log: KafkaLog = {
    error: (fields, message) => {
      if (message === 'consumer crashed') crashes.push(fields as { error: string; restart: boolean });
    },
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  };

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `rejoin-int-${run}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher.disconnect();
  });

  it('is dropped by the coordinator during a long batch, rejoins, stays ready and reads what follows', async () => {
    const host = new ConsumerHost(kafka, publisher, log);
    const seen: string[] = [];
    let stalled = false;
    try {
      await host.consume('stalling', {
        groupId: `rejoin-${run}`,
        topics: [topic],
        fromBeginning: false,
        // One attempt: the handler's own retries are not what is tested.
        maxAttempts: 1,
        handle: async (events) => {
          if (!stalled) {
            stalled = true;
            await new Promise((resolve) => setTimeout(resolve, STALL_MS));
          }
          for (const { event } of events) if (event.type === 'governance.alert.v1' && event.data.summary.startsWith(run)) seen.push(event.data.summary);
        },
      });
      await publisher.publish(topic, [testAlert(`${run} first`)]);
      await eventually(() => stalled || undefined, { what: 'the first batch started', timeoutMs: 30_000 });
      await eventually(() => crashes.length > 0 || undefined, { what: 'the membership lost', timeoutMs: 60_000 });
      // The group never committed (its first batch was dropped) and starts at the end when it rejoins: publish until read.
      await eventually(
        async () => {
          await publisher.publish(topic, [testAlert(`${run} second`)]);
          return seen.includes(`${run} second`) || undefined;
        },
        { what: 'a message read after the rejoin', timeoutMs: 60_000, intervalMs: 2000 },
      );
      expect(crashes[0]).toMatchObject({ restart: true });
      expect(crashes[0].error).toMatch(/not aware of this member|generation|rebalanc/i);
      expect(() => host.check()).not.toThrow();
    } finally {
      await host.stop();
    }
  }, 120_000);
});
