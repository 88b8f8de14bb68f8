import { createLogger, Readiness } from '@medshare/service-kit';
import { GovernanceStart } from './governance-start';

/** A part whose start resolves when the test says so. */
function pendingPart(): { start(): Promise<void>; finish(): void } {
  let finish = () => undefined as void;
  const started = new Promise<void>((resolve) => (finish = resolve));
  return { start: () => started, finish };
}

describe('GovernanceStart', () => {
  it('returns from the bootstrap hook at once and reports not ready until every part started', async () => {
    const readiness = new Readiness();
    const parts = Array.from({ length: 7 }, pendingPart);
    // The seven consumers it starts, each only its start().
    const start = Reflect.construct(GovernanceStart, [readiness, createLogger('start-spec', 'silent'), ...parts]) as GovernanceStart;
    expect(start.onApplicationBootstrap()).toBeUndefined();
    expect(await readiness.evaluate()).toMatchObject({ ready: false, checks: { 'start-up': 'consumers starting' } });
    for (const part of parts.slice(0, 6)) part.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await readiness.evaluate()).checks['start-up']).toBe('consumers starting');
    parts[6].finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await readiness.evaluate()).toEqual({ ready: true, checks: { 'start-up': 'ok' } });
  });
});
