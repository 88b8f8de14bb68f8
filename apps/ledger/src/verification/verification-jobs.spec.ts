import type { Logger } from '@medshare/service-kit';
import type { LedgerVerification, VerificationProgress, VerificationReport } from './ledger-verification';
import { VerificationJobs } from './verification-jobs';

/** A verification whose runs the test finishes by hand, one at a time in the order they were asked for. */
function scriptedVerification() {
  const runs: { repair: boolean; progress: (progress: VerificationProgress) => void; finish: (report?: VerificationReport) => void }[] = [];
  const verification = {
    verifyAll: ({ repair, onProgress }: { repair: boolean; onProgress?: (progress: VerificationProgress) => void }) =>
      new Promise<VerificationReport>((resolve, reject) => {
        runs.push({
          repair,
          progress: onProgress ?? (() => undefined),
          finish: (report) => (report ? resolve(report) : reject(new Error('replica-2 unreachable'))),
        });
      }),
  } as unknown as LedgerVerification;
  return { verification, runs };
}

const logger = { error: () => undefined } as unknown as Logger;
const report: VerificationReport = { ok: true, at: '2026-01-01T00:00:00.000Z', durationMs: 5, quorumHeight: 3, replicas: [] };
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('VerificationJobs', () => {
  it('queues a job, shows it running with progress, then done with the report', async () => {
    const { verification, runs } = scriptedVerification();
    const jobs = new VerificationJobs(verification, logger);
    const job = jobs.start(false, { fresh: true });
    expect(jobs.get(job.id)).toMatchObject({ status: 'queued', repair: false });
    runs[0].progress({ replicas: 3, replicasDone: 1, replica: 'replica-2', height: 50, of: 120 });
    expect(jobs.get(job.id)).toMatchObject({ status: 'running', progress: { replicasDone: 1, replica: 'replica-2' }, startedAt: expect.any(String) });
    runs[0].finish(report);
    await settled();
    expect(jobs.get(job.id)).toMatchObject({ status: 'done', report, finishedAt: expect.any(String) });
  });

  it('says why a run failed', async () => {
    const { verification, runs } = scriptedVerification();
    const jobs = new VerificationJobs(verification, logger);
    const job = jobs.start(true, { fresh: true });
    runs[0].finish();
    await settled();
    expect(jobs.get(job.id)).toMatchObject({ status: 'failed', error: 'replica-2 unreachable' });
  });

  it('answers a request with the queued run of the same kind, and starts another kind separately', () => {
    const { verification, runs } = scriptedVerification();
    const jobs = new VerificationJobs(verification, logger);
    const first = jobs.start(false, { fresh: true });
    expect(jobs.start(false, { fresh: true }).id).toBe(first.id);
    expect(jobs.start(true, { fresh: true }).id).not.toBe(first.id);
    expect(runs.map((run) => run.repair)).toEqual([false, true]);
  });

  it('forgets the oldest finished jobs beyond 100', async () => {
    const { verification, runs } = scriptedVerification();
    const jobs = new VerificationJobs(verification, logger);
    const ids: string[] = [];
    for (let i = 0; i < 101; i += 1) {
      ids.push(jobs.start(i % 2 === 0, { fresh: true }).id);
      runs[i].finish(report);
      await settled();
    }
    expect(jobs.get(ids[0])).toBeUndefined();
    expect(jobs.get(ids[100])).toMatchObject({ status: 'done' });
  });

  it('answers an anonymous read-only request with the run finished in the last minute, and a caller with a token with a new run', async () => {
    const { verification, runs } = scriptedVerification();
    const jobs = new VerificationJobs(verification, logger);
    const first = jobs.start(false, { fresh: false });
    runs[0].finish(report);
    await settled();
    expect(jobs.start(false, { fresh: false }).id).toBe(first.id);
    expect(jobs.start(false, { fresh: true }).id).not.toBe(first.id);
    expect(runs).toHaveLength(2);
  });
});
