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

it('fails a run that does not exit, names its open socket and child process, and kills the child', () => {
  const started = Date.now();
  const result = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', resolve(fixtures, 'jest.config.js'), '--runInBand'], {
    cwd: fixtures,
    env: { ...process.env, MEDSHARE_TEST_EXIT_GRACE_MS: '1500' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.status).toBe(75);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(result.stderr).toContain('1 passed');
  expect(result.stderr).toMatch(/did not exit within 1500 ms/);
  expect(result.stderr).toMatch(/socket to peer 127\.0\.0\.1:\d+/);
  const pid = Number(/child process pid (\d+): sleep 300/.exec(result.stderr)?.[1]);
  expect(pid).toBeGreaterThan(0);
  expect(alive(pid)).toBe(false);
});
