// Trace context on Kafka messages: W3C `traceparent`/`tracestate` headers (the CloudEvents distributed-tracing
// extension, binary mode), written by the publisher and read by the consumers, so one trace follows an event from
// the HTTP request that caused it through every service that consumes it. The header values are ids the tracer drew
// at random and sampling flags: nothing of the event. Without a tracer provider (tracing off) every step here is
// skipped after one check per publish or batch.
import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { MedshareEvent } from '@medshare/contracts';

const tracer = trace.getTracer('@medshare/messaging');

/** The contexts of the consumed events a handler is working on, by event id: where the events they cause belong. */
const CONSUMED = createContextKey('medshare consumed events');

/** The OpenTelemetry SDK registers a propagator when tracing starts; with none there is nothing to carry. */
export function messageTracingOn(): boolean {
  return propagation.fields().length > 0;
}

const kafkaHeaders: TextMapGetter<IHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    const value = headers[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

function messagingAttributes(topic: string, operation: 'send' | 'process', extra: Attributes = {}): Attributes {
  return { 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.operation.type': operation, ...extra };
}

/**
 * A CONSUMER span for one message, child of the span that published it (or a root span when it carries no trace
 * context). Attributes are platform ids and positions only: the event's id and type (its `ce_*` headers), topic,
 * partition, offset, group.
 */
export function startConsumeSpan(topic: string, partition: number, message: KafkaMessage, group: string): Span {
  const headers = message.headers ?? {};
  const id = kafkaHeaders.get(headers, 'ce_id');
  const type = kafkaHeaders.get(headers, 'ce_type');
  const attributes = messagingAttributes(topic, 'process', {
    'messaging.destination.partition.id': String(partition),
    'messaging.kafka.offset': Number(message.offset),
    'messaging.consumer.group.name': group,
    ...(id !== undefined && { 'messaging.message.id': id }),
    ...(type !== undefined && { 'cloudevents.event_type': type }),
  });
  return tracer.startSpan(`process ${topic}`, { kind: SpanKind.CONSUMER, attributes }, propagation.extract(ROOT_CONTEXT, headers, kafkaHeaders));
}

export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
  span.end();
}

/** The spans of one consumed batch and the context its handler runs in. */
export interface ConsumeSpans {
  readonly context: Context;
  end(error?: unknown): void;
}

/**
 * A span per consumed message. The handler runs in the message's span when the batch holds one message; with more,
 * in a batch span linked to every message's span. Either way, an event the handler publishes or emits is parented to
 * the span of the consumed event that caused it (its `causationid`), so every trace goes on unbroken through batches.
 */
export function startConsumeSpans(
  topic: string,
  partition: number,
  group: string,
  consumed: readonly { message: KafkaMessage; event: MedshareEvent }[],
): ConsumeSpans {
  const spans = consumed.map(({ message }) => startConsumeSpan(topic, partition, message, group));
  const byEvent = new Map(consumed.map(({ event }, index) => [event.id, trace.setSpan(ROOT_CONTEXT, spans[index])]));
  let handler: Span | undefined;
  let active: Context;
  if (spans.length === 1) active = trace.setSpan(ROOT_CONTEXT, spans[0]);
  else {
    const links: Link[] = spans.map((span) => ({ context: span.spanContext() }));
    handler = tracer.startSpan(`process ${topic} batch`, {
      kind: SpanKind.CONSUMER,
      links,
      attributes: messagingAttributes(topic, 'process', { 'messaging.batch.message_count': spans.length }),
    });
    active = trace.setSpan(ROOT_CONTEXT, handler);
  }
  return {
    context: active.setValue(CONSUMED, byEvent),
    end: (error) => {
      for (const span of handler ? [...spans, handler] : spans) endSpan(span, error);
    },
  };
}

/** Runs `work` in the span of the consumed event `eventId` when the current batch has one (a request handled alone). */
export function inEventContext<T>(eventId: string, work: () => T): T {
  const consumed = context.active().getValue(CONSUMED) as Map<string, Context> | undefined;
  const own = consumed?.get(eventId);
  return own ? context.with(own, work) : work();
}

/** PRODUCER spans of one publish and the trace headers each message carries. */
export interface PublishSpans {
  headers(index: number): Record<string, string> | undefined;
  end(error?: unknown): void;
}

const UNTRACED: PublishSpans = { headers: () => undefined, end: () => undefined };

/**
 * One PRODUCER span per parent among `events`: the consumed event that caused an event (a handler's output) or else
 * the active context (an HTTP request, a timer). Each message carries its span's context in `traceparent`/`tracestate`.
 */
export function startPublishSpans(topic: string, events: readonly MedshareEvent[]): PublishSpans {
  if (!messageTracingOn()) return UNTRACED;
  const active = context.active();
  const consumed = active.getValue(CONSUMED) as Map<string, Context> | undefined;
  const byParent = new Map<Context, number[]>();
  events.forEach((event, index) => {
    const parent = consumed?.get(event.causationid) ?? active;
    const indexes = byParent.get(parent);
    if (indexes) indexes.push(index);
    else byParent.set(parent, [index]);
  });
  const spans: Span[] = [];
  const headers: Record<string, string>[] = [];
  for (const [parent, indexes] of byParent) {
    const span = tracer.startSpan(
      `send ${topic}`,
      { kind: SpanKind.PRODUCER, attributes: messagingAttributes(topic, 'send', { 'messaging.batch.message_count': indexes.length }) },
      parent,
    );
    if (indexes.length === 1) span.setAttributes({ 'messaging.message.id': events[indexes[0]].id, 'cloudevents.event_type': events[indexes[0]].type });
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    for (const index of indexes) headers[index] = carrier;
    spans.push(span);
  }
  return {
    headers: (index) => headers[index],
    end: (error) => {
      for (const span of spans) endSpan(span, error);
    },
  };
}
