import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { httpRequestDuration, httpTelemetry } from './http-telemetry';

describe('httpTelemetry', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const app = express();
  app.use(httpTelemetry(logger));
  app.get('/v1/patients/:patient', (_request, response) => {
    response.status(200).json({ ok: true });
  });
  app.get('/health/live', (_request, response) => {
    response.json({ status: 'ok' });
  });
  let base: string;
  let server: ReturnType<typeof app.listen>;

  beforeAll(async () => {
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const sample = async (labels: Partial<Record<'method' | 'route' | 'status', string>>) =>
    (await httpRequestDuration.get()).values.find(
      (value) =>
        value.metricName === 'medshare_http_request_duration_seconds_count' &&
        Object.entries(labels).every(([k, v]) => value.labels[k as keyof typeof labels] === v),
    )?.value ?? 0;

  it('logs and measures a request by its route template, with none of the path or query values', async () => {
    const before = await sample({ method: 'GET', route: '/v1/patients/:patient', status: '200' });
    await fetch(`${base}/v1/patients/p-canary-4711?name=Canary`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const line = lines.find((entry) => entry.msg === 'http request');
    expect(line).toMatchObject({ method: 'GET', route: '/v1/patients/:patient', status: '200', durationMs: expect.any(Number) });
    expect(JSON.stringify(lines)).not.toMatch(/canary/i);
    expect(await sample({ method: 'GET', route: '/v1/patients/:patient', status: '200' })).toBe(before + 1);
  });

  it('names a request no route matched `unmatched`, and logs probes only at debug', async () => {
    lines.length = 0;
    await fetch(`${base}/v1/unknown/p-canary-4711`);
    await fetch(`${base}/health/live`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines.map((entry) => [entry.route, entry.status])).toEqual([['unmatched', '404']]);
    expect(JSON.stringify(lines)).not.toMatch(/canary/i);
    expect(await sample({ route: '/health/live', status: '200' })).toBeGreaterThan(0);
  });
});
