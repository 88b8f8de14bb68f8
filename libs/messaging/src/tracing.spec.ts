// Trace context through Kafka headers, with the real OpenTelemetry SDK in this process (spans kept in memory): what a
// publisher writes, a consumer continues, and events a handler causes stay in their cause's trace, batch or not.
import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import type { KafkaMessage } from 'kafkajs';
import type { MedshareEvent } from '@medshare/contracts';
import { withCorrelationOf, currentCorrelationId } from './log-context';
import { inEventContext, messageTracingOn, startConsumeSpans, startPublishSpans } from './tracing';

const event = (id: string, causationid = id, correlationid = id) =>
  ({ id, causationid, correlationid, type: 'records.encrypted.v1' }) as unknown as MedshareEvent;
const messageWith = (headers: Record<string, string> | undefined, offset: string, id: string) =>
  ({ offset, headers: { ...headers, ce_id: id, ce_type: 'records.encrypted.v1' } }) as unknown as KafkaMessage;
const TOPIC = 'medshare.records.encrypted.v1';

describe('trace context on Kafka messages', () => {
  it('adds nothing while no tracer is registered (tracing off)', () => {
    expect(messageTracingOn()).toBe(false);
    const spans = startPublishSpans(TOPIC, [event('e1')]);
    expect(spans.headers(0)).toBeUndefined();
  });

  describe('with the SDK registered', () => {
    const exporter = new tracing.InMemorySpanExporter();
    const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
    const finished = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);
    const parentOf = (span: tracing.ReadableSpan) => span.parentSpanContext?.spanId;

    beforeAll(() => provider.register());
    afterEach(() => exporter.reset());
    afterAll(async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    });

    /** Publishes `events` in `parent` and returns the headers each message got. */
    function publish(parent: Context, events: MedshareEvent[], topic = TOPIC): Record<string, string>[] {
      return context.with(parent, () => {
        const spans = startPublishSpans(topic, events);
        const headers = events.map((_, index) => spans.headers(index) as Record<string, string>);
        spans.end();
        return headers;
      });
    }

    it('carries the publishing span in traceparent, and the consumer continues it as a child', () => {
      expect(messageTracingOn()).toBe(true);
      const request = trace.getTracer('test').startSpan('POST /fhir/R4');
      const [headers] = publish(trace.setSpan(context.active(), request), [event('e1')]);
      request.end();
      expect(Object.keys(headers).sort()).toEqual(['traceparent']);
      const [send] = finished(`send ${TOPIC}`);
      expect(send.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(parentOf(send)).toBe(request.spanContext().spanId);
      expect(headers.traceparent).toBe(`00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);

      const consumed = startConsumeSpans(TOPIC, 2, 'encryption', [{ event: event('e1'), message: messageWith(headers, '7', 'e1') }]);
      // The handler runs in the message's span: what it publishes (caused by the message's event) is its child.
      const [reply] = publish(consumed.context, [event('e2', 'e1')], 'medshare.ledger.blocks.v1');
      consumed.end();
      const [process] = finished(`process ${TOPIC}`);
      expect(parentOf(process)).toBe(send.spanContext().spanId);
      expect(process.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(process.attributes).toMatchObject({
        'messaging.destination.partition.id': '2',
        'messaging.kafka.offset': 7,
        'messaging.consumer.group.name': 'encryption',
        'messaging.message.id': 'e1',
      });
      expect(reply.traceparent).toContain(`00-${request.spanContext().traceId}-`);
      expect(parentOf(finished('send medshare.ledger.blocks.v1')[0])).toBe(process.spanContext().spanId);
    });

    it("keeps each event of a batch in its own cause's trace, the handler in a batch span linked to every message", () => {
      const tracer = trace.getTracer('test');
      const [first, second] = [tracer.startSpan('request 1'), tracer.startSpan('request 2')];
      const [headersA] = publish(trace.setSpan(context.active(), first), [event('a')]);
      const [headersB] = publish(trace.setSpan(context.active(), second), [event('b')]);
      exporter.reset();
      const consumed = startConsumeSpans(TOPIC, 0, 'ledger', [
        { event: event('a'), message: messageWith(headersA, '1', 'a') },
        { event: event('b'), message: messageWith(headersB, '2', 'b') },
      ]);
      const outputs = publish(consumed.context, [event('a2', 'a'), event('b2', 'b'), event('c2', 'unrelated')], 'medshare.ledger.blocks.v1');
      const inA = context.with(consumed.context, () => inEventContext('a', () => trace.getActiveSpan()?.spanContext()));
      consumed.end();

      const traceOf = (headers: Record<string, string>) => headers.traceparent.split('-')[1];
      expect(traceOf(outputs[0])).toBe(first.spanContext().traceId);
      expect(traceOf(outputs[1])).toBe(second.spanContext().traceId);
      const [batch] = finished(`process ${TOPIC} batch`);
      // An output of no event in the batch belongs to the handler's batch span.
      expect(traceOf(outputs[2])).toBe(batch.spanContext().traceId);
      expect(batch.links.map((link) => link.context.traceId).sort()).toEqual([first.spanContext().traceId, second.spanContext().traceId].sort());
      const processA = finished(`process ${TOPIC}`).find((span) => span.attributes['messaging.message.id'] === 'a');
      expect(inA?.spanId).toBe(processA?.spanContext().spanId);
      expect(finished('send medshare.ledger.blocks.v1')).toHaveLength(3);
    });

    it('starts a root span for a message that carries no trace context', () => {
      const consumed = startConsumeSpans(TOPIC, 0, 'governance', [{ event: event('x'), message: messageWith(undefined, '3', 'x') }]);
      consumed.end(new Error('handler failed'));
      const [process] = finished(`process ${TOPIC}`);
      expect(parentOf(process)).toBeUndefined();
      expect(process.status.code).toBe(2); // ERROR
    });
  });
});

describe('the correlation id of the events being handled', () => {
  it('is set while a handler works on events of one correlation, and only then', () => {
    expect(withCorrelationOf([{ event: event('e1', 'e1', 'c1') }, { event: event('e2', 'e1', 'c1') }], () => currentCorrelationId())).toBe('c1');
    expect(withCorrelationOf([{ event: event('e1', 'e1', 'c1') }, { event: event('e3', 'e3', 'c3') }], () => currentCorrelationId())).toBeUndefined();
    expect(currentCorrelationId()).toBeUndefined();
  });
});
