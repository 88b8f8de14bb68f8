// scripts/test.sh must always end: a run whose tests pass but that leaves handles open fails within the grace
// period, naming what was left open, and takes its child processes down with it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const fixtures = resolve(__dirname, '../fixtures/exit-watchdog');

/** Running or sleeping: not gone, not a zombie waiting for its reaper. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function runFixture(fixture: string, env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', resolve(fixtures, 'jest.config.js'), '--runInBand', fixture], {
    cwd: fixtures,
    env: { ...process.env, MEDSHARE_TEST_EXIT_GRACE_MS: '1500', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { ...result, elapsedMs: Date.now() - started };
}

it('fails a run that does not exit, names its open socket and child process, and kills the child', () => {
  const result = runFixture('leaves-a-socket-open');
  expect(result.status).toBe(75);
  expect(result.elapsedMs).toBeLessThan(30_000);
  expect(result.stderr).toContain('1 passed');
  expect(result.stderr).toMatch(/did not exit within 1500 ms/);
  expect(result.stderr).toMatch(/socket to peer 127\.0\.0\.1:\d+/);
  const pid = Number(/child process pid (\d+): sleep 300/.exec(result.stderr)?.[1]);
  expect(pid).toBeGreaterThan(0);
  expect(alive(pid)).toBe(false);
});

it('keeps its own exit code when tests failed too, so test.sh reports the hang', () => {
  const result = runFixture('leaves-a-socket-open', { MEDSHARE_FIXTURE_FAIL: '1' });
  expect(result.stderr).toContain('1 failed');
  expect(result.status).toBe(75);
});

it('names where a loop that keeps re-arming a timer after the run was created', () => {
  const result = runFixture('restarts-in-a-loop');
  expect(result.status).toBe(75);
  expect(result.stderr).toMatch(/created after the run completed and still alive: Timeout at .*restarts-in-a-loop\.fixture\.ts/);
});
