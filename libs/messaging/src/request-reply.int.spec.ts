// A stopping request/reply client finishes what it started: a graceful stop of a service never turns a read in
// flight into a failure (issue 9 §3).
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { decryptRequest } from '../../../test/support/events';
import { EventPublisher } from './event-publisher';
import { createKafka } from './kafka';
import { RequestReplyClient, serveRequests } from './request-reply';

describe('stopping a request/reply client', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `rr-stop-int-${randomUUID()}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher.disconnect();
  });

  it('waits for a pending request to be answered, then refuses new ones', async () => {
    // A server slow enough that the stop surely begins before the answer.
    const server = serveRequests(kafka, publisher, {
      groupId: `rr-stop-server-${randomUUID()}`,
      source: 'test-server',
      requests: topics.decryptRequests,
      replies: topics.decryptReplies,
      requestType: 'encryption.decrypt-requested.v1',
      replyType: 'encryption.decrypt-replied.v1',
      handle: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return { outcome: 'refused' as const, reason: 'slow test server' };
      },
    });
    await server.start();
    const client = new RequestReplyClient(kafka, publisher, { requests: topics.decryptRequests, replies: topics.decryptReplies }, { service: 'test-stop' });
    await client.start();
    try {
      const request = decryptRequest();
      const reply = client.request(request, 20_000);
      const stopped = client.stop();
      await expect(reply).resolves.toMatchObject({ type: 'encryption.decrypt-replied.v1', causationid: request.id });
      await stopped;
      await expect(client.request(decryptRequest('efgh'), 1000)).rejects.toThrow(/stopping/);
    } finally {
      await client.stop();
      await server.stop();
    }
  });
});
