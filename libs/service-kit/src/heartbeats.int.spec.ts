// An instance is ready only once its first heartbeat was acknowledged by the real brokers (its producer is warm), and
// a publisher that cannot publish keeps it unready.
import { randomUUID } from 'node:crypto';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { Readiness } from './health';
import { Heartbeats } from './heartbeats';
import { createLogger } from './logger';

const run = randomUUID().slice(0, 8);

describe('Heartbeats and readiness', () => {
  const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `heartbeats-int-${run}` });
  const options = { service: 'ingestion' as const, instance: `heartbeats-int-${run}`, intervalMs: 1000, logger: createLogger('heartbeats-int', 'silent') };

  it('is not ready before the first heartbeat is acknowledged, and ready after', async () => {
    const publisher = new EventPublisher(kafka);
    await publisher.connect();
    const readiness = new Readiness();
    const heartbeats = new Heartbeats(options, publisher, readiness);
    try {
      heartbeats.onApplicationBootstrap();
      expect((await readiness.evaluate()).checks.heartbeat).toBe('first heartbeat not acknowledged yet');
      await eventually(async () => ((await readiness.evaluate()).ready ? true : undefined), { what: 'the first heartbeat acknowledged', timeoutMs: 30_000 });
    } finally {
      await heartbeats.beforeApplicationShutdown();
      await publisher.disconnect();
    }
  });

  it('stays unready while no heartbeat can be published', async () => {
    // Never connected, then stopped: every publish is refused.
    const publisher = new EventPublisher(kafka);
    await publisher.disconnect();
    const readiness = new Readiness();
    const heartbeats = new Heartbeats(options, publisher, readiness);
    try {
      heartbeats.onApplicationBootstrap();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await readiness.evaluate()).toEqual({ ready: false, checks: { heartbeat: 'first heartbeat not acknowledged yet' } });
    } finally {
      await heartbeats.beforeApplicationShutdown();
    }
  });
});
