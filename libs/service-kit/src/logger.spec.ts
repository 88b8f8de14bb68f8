// Every log line says where it belongs: the instance, the trace and span it was written in, and the correlation id of
// the events being handled; read back from the lines pino writes.
import { Writable } from 'node:stream';
import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import type { MedshareEvent } from '@medshare/contracts';
import { withCorrelationOf } from '@medshare/messaging';
import { createLogger } from './logger';

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('encryption', 'info', { instance: 'encryption-2', destination }) };
}

describe('log line context', () => {
  const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(new tracing.InMemorySpanExporter())] });
  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('carries the instance on every line, and the trace, span and correlation id while there are some', async () => {
    const { lines, logger } = capturedLogger();
    logger.info({}, 'outside');
    const span = trace.getTracer('test').startSpan('process medshare.ingest.sealed.v1');
    const consumed = [{ event: { id: 'e1', causationid: 'e1', correlationid: 'c-1' } as unknown as MedshareEvent }];
    await context.with(trace.setSpan(context.active(), span), () =>
      withCorrelationOf(consumed, async () => {
        await Promise.resolve(); // across an await, as in a handler
        logger.warn({ count: 1 }, 'inside');
      }),
    );
    span.end();
    await new Promise((resolve) => setImmediate(resolve));

    const [outside, inside] = lines;
    expect(outside).toMatchObject({ service: 'encryption', instance: 'encryption-2', msg: 'outside' });
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('correlationid');
    expect(inside).toMatchObject({
      instance: 'encryption-2',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
      correlationid: 'c-1',
      count: 1,
      msg: 'inside',
    });
  });
});
