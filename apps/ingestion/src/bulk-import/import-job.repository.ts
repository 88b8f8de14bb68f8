// $import jobs (import_jobs, import_outcomes): where each job stands in its spooled file, its counts, who runs it
// under a lease, and the OperationOutcome of every refused line. Platform ids, counts and codes only.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';

export interface ImportJob {
  jobId: string;
  institution: string;
  spoolPath: string;
  size: number;
  state: 'running' | 'done' | 'failed';
  bytesDone: number;
  linesDone: number;
  linesRead: number;
  linesAccepted: number;
  linesRefused: number;
  finishedAt?: string;
}

/** What one chunk moved: the new position and counts, committed together with its refused lines' outcomes. */
export interface ChunkProgress {
  bytesDone: number;
  linesDone: number;
  accepted: number;
  refused: { line: number; outcome: unknown }[];
}

type Row = {
  job_id: string;
  institution: string;
  spool_path: string;
  size: string;
  state: ImportJob['state'];
  bytes_done: string;
  lines_done: number;
  lines_read: number;
  lines_accepted: number;
  lines_refused: number;
  finished_at: Date | null;
};

const COLUMNS = 'job_id, institution, spool_path, size, state, bytes_done, lines_done, lines_read, lines_accepted, lines_refused, finished_at';

@Injectable()
export class ImportJobRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** A new job, free to be claimed at once. */
  async create(job: Pick<ImportJob, 'jobId' | 'institution' | 'spoolPath' | 'size'>): Promise<void> {
    await this.dataSource.query('INSERT INTO import_jobs (job_id, institution, spool_path, size) VALUES ($1, $2, $3, $4)', [
      job.jobId,
      job.institution,
      job.spoolPath,
      job.size,
    ]);
  }

  async find(jobId: string): Promise<ImportJob | undefined> {
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM import_jobs WHERE job_id = $1`, [jobId]);
    return rows[0] && jobOf(rows[0]);
  }

  /** The oldest running job nobody holds a live lease on (a killed owner's lease runs out), now this owner's. */
  async claim(owner: string, leaseMs: number): Promise<ImportJob | undefined> {
    const [rows]: [Row[], number] = await this.dataSource.query(
      `UPDATE import_jobs SET owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond'
       WHERE job_id = (SELECT job_id FROM import_jobs WHERE state = 'running' AND lease_expires_at < now()
                       ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [owner, leaseMs],
    );
    return rows[0] && jobOf(rows[0]);
  }

  /** Commits a chunk's outcomes and the job's new position at once, and renews the lease; false if the lease was lost. */
  async advance(jobId: string, owner: string, leaseMs: number, progress: ChunkProgress): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, updated]: [unknown, number] = await manager.query(
        `UPDATE import_jobs SET bytes_done = $3, lines_done = $4, lines_read = lines_read + $5, lines_accepted = lines_accepted + $6,
           lines_refused = lines_refused + $7, lease_expires_at = now() + $8 * interval '1 millisecond'
         WHERE job_id = $1 AND owner = $2 AND state = 'running'`,
        [
          jobId,
          owner,
          progress.bytesDone,
          progress.linesDone,
          progress.accepted + progress.refused.length,
          progress.accepted,
          progress.refused.length,
          leaseMs,
        ],
      );
      if (updated !== 1) return false;
      if (progress.refused.length > 0) {
        await manager.query(
          `INSERT INTO import_outcomes (job_id, line, outcome) SELECT $1, line, outcome FROM jsonb_to_recordset($2::jsonb) AS r(line integer, outcome jsonb)`,
          [jobId, JSON.stringify(progress.refused)],
        );
      }
      return true;
    });
  }

  async finish(jobId: string, owner: string, state: 'done' | 'failed'): Promise<void> {
    await this.dataSource.query(`UPDATE import_jobs SET state = $3, finished_at = now() WHERE job_id = $1 AND owner = $2 AND state = 'running'`, [
      jobId,
      owner,
      state,
    ]);
  }

  /** Hands a job back (a graceful stop): another instance or the restarted one takes it at once. */
  async release(jobId: string, owner: string): Promise<void> {
    await this.dataSource.query(`UPDATE import_jobs SET lease_expires_at = now() WHERE job_id = $1 AND owner = $2`, [jobId, owner]);
  }

  /** Refused lines' outcomes in line order, a page after `afterLine`. */
  async outcomes(jobId: string, afterLine: number, limit: number): Promise<{ line: number; outcome: unknown }[]> {
    return this.dataSource.query('SELECT line, outcome FROM import_outcomes WHERE job_id = $1 AND line > $2 ORDER BY line LIMIT $3', [jobId, afterLine, limit]);
  }
}

function jobOf(row: Row): ImportJob {
  return {
    jobId: row.job_id,
    institution: row.institution,
    spoolPath: row.spool_path,
    size: Number(row.size),
    state: row.state,
    bytesDone: Number(row.bytes_done),
    linesDone: row.lines_done,
    linesRead: row.lines_read,
    linesAccepted: row.lines_accepted,
    linesRefused: row.lines_refused,
    ...(row.finished_at !== null && { finishedAt: row.finished_at.toISOString() }),
  };
}
