// Verification as jobs: a request starts a run (or joins the one of the same kind still waiting) and
// gets its id at once; the run goes on in the background, and the job's status shows its progress and,
// when it is done, the report. Jobs live in this instance's memory; the last MAX_JOBS are kept.
import { randomUUID } from 'node:crypto';
import type { Logger } from '@medshare/service-kit';
import type { LedgerVerification, VerificationProgress, VerificationReport } from './ledger-verification';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface VerificationJob {
  id: string;
  /** Whether the run repairs the replicas it finds tampered (an operator's request, on the active writer). */
  repair: boolean;
  status: JobStatus;
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress?: VerificationProgress;
  /** When done: every replica's findings (and repairs). */
  report?: VerificationReport;
  /** When failed: why the run could not finish. */
  error?: string;
}

const MAX_JOBS = 100;
/** How long a finished read-only run answers anonymous requests: nobody can keep the ledger verifying non-stop. */
const ANONYMOUS_REUSE_MS = 60_000;

export class VerificationJobs {
  private readonly jobs = new Map<string, VerificationJob>();

  constructor(
    private readonly verification: LedgerVerification,
    private readonly logger: Logger,
  ) {}

  /**
   * A job of this kind: the queued one if there is one (a run not started yet answers both requests); for a
   * caller without a token (`fresh` false), the last run of its kind finished within ANONYMOUS_REUSE_MS; else a new one.
   */
  start(repair: boolean, { fresh }: { fresh: boolean }): VerificationJob {
    const ofKind = [...this.jobs.values()].filter((job) => job.repair === repair).reverse();
    const waiting = ofKind.find((job) => job.status === 'queued');
    if (waiting) return waiting;
    const recent = fresh ? undefined : ofKind.find((job) => job.status === 'done' && Date.now() - Date.parse(job.finishedAt ?? '') < ANONYMOUS_REUSE_MS);
    if (recent) return recent;
    const job: VerificationJob = { id: randomUUID(), repair, status: 'queued', requestedAt: new Date().toISOString() };
    this.jobs.set(job.id, job);
    this.forgetOldest();
    void this.verification
      .verifyAll({
        repair,
        onProgress: (progress) => {
          if (job.status === 'queued') Object.assign(job, { status: 'running', startedAt: new Date().toISOString() });
          job.progress = progress;
        },
      })
      .then(
        (report) => Object.assign(job, { status: 'done', report, finishedAt: new Date().toISOString() }),
        (error: unknown) => {
          Object.assign(job, { status: 'failed', error: error instanceof Error ? error.message : String(error), finishedAt: new Date().toISOString() });
          this.logger.error({ job: job.id, error: job.error }, 'verification job failed');
        },
      );
    return job;
  }

  get(id: string): VerificationJob | undefined {
    return this.jobs.get(id);
  }

  private forgetOldest(): void {
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= MAX_JOBS) return;
      if (job.status === 'done' || job.status === 'failed') this.jobs.delete(id);
    }
  }
}
