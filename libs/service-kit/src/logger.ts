// Structured JSON logs (pino) for a service and a Nest LoggerService over them. Log facts and ids, never payloads.
import type { LoggerService } from '@nestjs/common';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { currentCorrelationId } from '@medshare/messaging';

export type { Logger } from 'pino';

/** `instance`: INSTANCE_ID, on every line beside the service name and pid; `destination`: stdout unless given (tests). */
export function createLogger(service: string, level: string, { instance, destination }: { instance?: string; destination?: DestinationStream } = {}): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, ...(instance !== undefined && { instance }), pid: process.pid },
    mixin: lineContext,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Defence in depth: fields that could carry clinical content are never written.
    redact: { paths: ['payload', 'resource', 'body', 'data', 'plaintext', '*.payload', '*.resource', '*.body', '*.plaintext'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * What each line is part of: the trace and span it was written in (when tracing is on and a span is active) and the
 * correlation id of the events a consumer is handling, so one grep follows a record across services.
 */
function lineContext(): Record<string, string> {
  const fields: Record<string, string> = {};
  const span = trace.getSpan(context.active())?.spanContext();
  if (span && isSpanContextValid(span)) {
    fields.trace_id = span.traceId;
    fields.span_id = span.spanId;
  }
  const correlationId = currentCorrelationId();
  if (correlationId !== undefined) fields.correlationid = correlationId;
  return fields;
}

export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
