// OpenTelemetry tracing of a service process (the OpenTelemetry JS SDK, configured by the standard OTEL_* variables):
// HTTP server spans, pg spans under them, Kafka spans from libs/messaging. Off, at no cost, unless an exporter is
// configured. Each app's main.ts imports its `instrumentation.ts` first, which calls startTracing before anything
// loads http or pg, so the instrumentations can patch them.
import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { Request } from 'express';
import { PROBES, routeTemplate } from './http-telemetry';

/** Trace context a client may send: its ids and vendor state are values the client chose (invariant 1). */
const CLIENT_TRACE_HEADERS = ['traceparent', 'tracestate', 'baggage'] as const;
/** Span attributes of the HTTP instrumentation that hold the request's path or query (old and stable conventions). */
const PATH_ATTRIBUTES = ['http.url', 'http.target', 'url.full', 'url.path', 'url.query'] as const;

let sdk: NodeSDK | undefined;

/** On when an exporter is configured: OTEL_TRACES_EXPORTER (other than `none`) or an OTLP endpoint. */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim());
  if (exporters.includes('none')) return false;
  return exporters.some((name) => name !== '') || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the SDK for `service` (OTEL_SERVICE_NAME wins) when tracing is configured. Exporter, protocol, endpoint,
 * sampler and batching come from the OTEL_* variables (OTLP http/protobuf by default); logs and metrics are not
 * exported this way (pino lines and Prometheus are).
 */
export function startTracing(service: string): void {
  if (sdk || !tracingConfigured()) return;
  // Loaded only when tracing is on: the SDK with its exporters adds ~1.5 s and ~17 MB to every start otherwise.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */
  sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? service,
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => {
          // Runs before the instrumentation reads the headers: a request always starts a trace of our own, with
          // random ids, and a client's trace state never travels on into Kafka headers.
          for (const header of CLIENT_TRACE_HEADERS) delete request.headers[header];
          return PROBES.has(request.url?.split('?')[0] ?? '');
        },
        // Outgoing calls (S3, the ledger's proofs, OpenID) would put their paths on spans: not traced.
        disableOutgoingRequestInstrumentation: true,
        requestHook: (span) => redactPath(span, 'unmatched'),
        applyCustomAttributesOnSpan: (span, request) => {
          const route = routeTemplate(request as IncomingMessage as Request);
          span.setAttribute('http.route', route);
          span.updateName(`${(request as IncomingMessage).method ?? 'GET'} ${route}`);
          redactPath(span, route);
        },
      }),
      // Only inside a traced request or message; query text with its $n placeholders, never the values.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
}

/** Exports the spans still buffered (bounded by OTEL_BSP_EXPORT_TIMEOUT); the last step of a graceful stop. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}

/** Paths carry ids that clients chose: every attribute that holds one gets the route template instead. */
function redactPath(span: Span, route: string): void {
  const attributes = (span as Span & { attributes?: Record<string, unknown> }).attributes ?? {};
  for (const key of PATH_ATTRIBUTES) if (key in attributes) span.setAttribute(key, route);
}
