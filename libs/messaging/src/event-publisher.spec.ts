// A publish with a deadline answers within it even when the broker accepts connections and never replies (a
// frozen, SIGSTOPped broker looks exactly like this), so request paths can answer 503 quickly.
import { createServer, type Server, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { testAlert } from '../../../test/support/events';
import { EventPublisher, PublishTimeoutError } from './event-publisher';

describe('EventPublisher deadline', () => {
  let frozenBroker: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    frozenBroker = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => frozenBroker.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => frozenBroker.close(resolve));
  });

  it('rejects with PublishTimeoutError once the deadline passed, long before kafkajs gives up', async () => {
    const { port } = frozenBroker.address() as { port: number };
    // No retries and a 2 s request timeout: the client gives up soon after the test, leaving nothing running.
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${port}`],
      clientId: 'deadline-spec',
      requestTimeout: 2_000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const publisher = new EventPublisher(kafka);
    const alert = testAlert('deadline');
    const started = Date.now();
    await expect(publisher.publish(topics.governanceAlerts, [alert], { deadlineMs: 300 })).rejects.toBeInstanceOf(PublishTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_500);
    await publisher.disconnect();
  });
});
