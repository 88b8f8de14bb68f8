// Round trips through the real broker: publish, batch-consume, dead-letter, request/reply.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { deadLetterTopic, topics } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { decryptRequest, testAlert as alert } from '../../../test/support/events';
import { closableConsumer } from '../../../test/support/topic-reader';
import { BatchConsumer, type ConsumedEvent } from './batch-consumer';
import { EventPublisher, InvalidEventError } from './event-publisher';
import { createKafka } from './kafka';
import { RequestReplyClient, serveRequests } from './request-reply';

describe('messaging against the real broker', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `messaging-int-${randomUUID()}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await publisher.disconnect();
  });

  async function consume(
    groupId: string,
    topic = topics.governanceAlerts,
    handle?: (events: ConsumedEvent[], reject: (e: ConsumedEvent, reason: string) => void) => Promise<void>,
  ) {
    const seen: ConsumedEvent[] = [];
    const consumer = new BatchConsumer(kafka, publisher, {
      groupId,
      topics: [topic],
      // A fresh group reads the topic's history: no race between joining and the first publish.
      fromBeginning: true,
      handle: async (events, context) => {
        if (handle) await handle(events, context.reject);
        seen.push(...events);
      },
    });
    await consumer.start();
    stops.push(() => consumer.stop());
    return seen;
  }

  it('round-trips a validated event and commits its offset', async () => {
    const groupId = `rt-${randomUUID()}`;
    const seen = await consume(groupId);
    const sent = alert(`round trip ${randomUUID()}`);
    await publisher.publish(topics.governanceAlerts, [sent]);
    const received = await eventually(() => seen.find((consumed) => consumed.event.id === sent.id), { what: 'the event consumed' });
    expect(received.event).toEqual(sent);
    const admin = kafka.admin();
    await admin.connect();
    const committed = await eventually(
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topics.governanceAlerts.name] });
        const partition = offsets.partitions.find((p) => p.partition === received.partition);
        return partition && BigInt(partition.offset) > BigInt(received.offset) ? partition.offset : undefined;
      },
      { what: 'the offset committed' },
    );
    await admin.disconnect();
    expect(BigInt(committed)).toBe(BigInt(received.offset) + 1n);
  });

  it('refuses to publish an event that fails its schema', async () => {
    const bad = { ...alert('x'), data: { alertId: 'a', kind: 'nope' } };
    // @ts-expect-error the compiler refuses this payload too; the test is that the runtime check does.
    await expect(publisher.publish(topics.governanceAlerts, [bad])).rejects.toBeInstanceOf(InvalidEventError);
  });

  it('dead-letters malformed, schema-invalid and handler-rejected messages with their reason and keeps consuming', async () => {
    const marker = randomUUID();
    const seen = await consume(`poison-${marker}`, topics.governanceAlerts, async (events, reject) => {
      for (const consumed of events)
        if (consumed.event.type === 'governance.alert.v1' && consumed.event.data.summary === `reject ${marker}`) reject(consumed, 'handler says poison');
    });
    const before = alert(`before ${marker}`);
    const rejected = alert(`reject ${marker}`);
    const after = alert(`after ${marker}`);
    const invalidData = JSON.stringify({ ...alert('x'), data: { alertId: marker, kind: 'not-a-kind' } });
    await publisher.publish(topics.governanceAlerts, [before]);
    await publisher.publishRaw(topics.governanceAlerts, [
      { key: marker, value: `{"not json ${marker}` },
      { key: marker, value: invalidData },
    ]);
    await publisher.publish(topics.governanceAlerts, [rejected, after]);

    await eventually(() => seen.find((consumed) => consumed.event.id === after.id), { what: 'the event after the poison consumed' });
    expect(seen.map((consumed) => consumed.event.id)).toEqual(expect.arrayContaining([before.id, after.id]));
    // Dead letters are raw (not CloudEvents), so read them with a plain consumer.
    const reasons = await readDeadLetterReasons(kafka, marker, 3);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringContaining('malformed JSON'),
        expect.stringContaining('invalid governance.alert.v1 data: kind'),
        'handler says poison',
      ]),
    );
  });

  it('answers a request over Kafka with a reply caused by it', async () => {
    const served: string[] = [];
    const server = serveRequests(kafka, publisher, {
      groupId: `rr-server-${randomUUID()}`,
      source: 'test-server',
      requests: topics.decryptRequests,
      replies: topics.decryptReplies,
      requestType: 'encryption.decrypt-requested.v1',
      replyType: 'encryption.decrypt-replied.v1',
      handle: async (request) => {
        served.push(request.id);
        return { outcome: 'refused' as const, reason: `permit of length ${request.data.permit.length}` };
      },
    });
    await server.start();
    stops.push(() => server.stop());
    const client = new RequestReplyClient(kafka, publisher, { requests: topics.decryptRequests, replies: topics.decryptReplies }, { service: 'test' });
    await client.start();
    stops.push(() => client.stop());
    const request = decryptRequest();
    const reply = await client.request(request, 20_000);
    expect(reply.type).toBe('encryption.decrypt-replied.v1');
    expect(reply.causationid).toBe(request.id);
    // Encryption services of other runs on the shared broker answer decrypt requests too, and the first reply
    // wins: ours is the one with this reason, and our server must have served the request.
    expect([
      { outcome: 'refused', reason: 'permit of length 4' },
      { outcome: 'refused', reason: 'permit malformed' },
    ]).toContainEqual(reply.data);
    await eventually(() => served.includes(request.id) || undefined, { what: 'the request served by the test server' });
  });
});

async function readDeadLetterReasons(kafka: Kafka, marker: string, expected: number): Promise<string[]> {
  const reasons: string[] = [];
  const { consumer, close } = closableConsumer(kafka, { groupId: `dlq-reader-${randomUUID()}` });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic.name, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString() ?? '';
        const key = message.key?.toString() ?? '';
        if (key === marker || value.includes(marker)) reasons.push(String(message.headers?.['dlq.reason']));
      },
    });
    await eventually(() => reasons.length >= expected || undefined, { what: `${expected} dead letters` });
  } finally {
    await close();
  }
  return reasons;
}
