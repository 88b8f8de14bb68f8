// Per-request signals of every service's HTTP edge: one access-log line and one sample of the request-duration
// histogram, both keyed by the route template (`/v1/patients/:patient`), never the path or query itself: ids chosen by
// clients are patient data. A request no route matched is `unmatched`.
import type { NextFunction, Request, Response } from 'express';
import { Histogram, register } from 'prom-client';
import type { Logger } from './logger';

const NAME = 'medshare_http_request_duration_seconds';

export const httpRequestDuration: Histogram<'method' | 'route' | 'status'> =
  (register.getSingleMetric(NAME) as Histogram<'method' | 'route' | 'status'> | undefined) ??
  new Histogram({
    name: NAME,
    help: 'HTTP requests by method, route template and status, from the first byte received to the last byte sent',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });

/** Probes hit every few seconds: measured, but logged only at debug. */
export const PROBES = new Set(['/health/live', '/health/ready', '/metrics']);

/** The template Express matched (mount path + route path), else `unmatched`. */
export function routeTemplate(request: Request): string {
  const path: unknown = request.route?.path;
  return typeof path === 'string' ? `${request.baseUrl}${path}` : 'unmatched';
}

/** Express middleware: install before the routes. */
export function httpTelemetry(logger: Logger): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(request);
      // A connection closed before the answer was sent has no status of its own.
      const status = response.writableFinished ? String(response.statusCode) : 'aborted';
      httpRequestDuration.observe({ method: request.method, route, status }, seconds);
      const line = { method: request.method, route, status, durationMs: Math.round(seconds * 1e4) / 10 };
      if (PROBES.has(route)) logger.debug(line, 'http request');
      else logger.info(line, 'http request');
    });
    next();
  };
}
