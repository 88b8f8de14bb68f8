// $import jobs (import_jobs, import_outcomes, import_waiting): where each job stands in its spooled file and in its
// passes, its counts, who runs it under a lease, the OperationOutcome of every refused line, and where in the file the
// lines waiting for a later pass are. Platform ids, counts, byte offsets and codes only.
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
  /** Lines set aside for a later pass: their patient or a resource they name was not known yet. */
  linesWaiting: number;
  /** 1 reads the file; each later pass sends the lines still waiting, in line order. */
  pass: number;
  /** The last pass sends waiting lines as they are (an earlier pass accepted none of them): what fails then is refused. */
  lastPass: boolean;
  finishedAt?: string;
}

/** Where a line is in the spooled file: a waiting line is read from there again. */
export interface LineSpan {
  line: number;
  start: number;
  end: number;
}

/**
 * What one chunk of a pass did, committed at once: the new position in the file (pass 1), the refused lines'
 * outcomes, the lines now waiting for the next pass, and the waiting lines it settled (accepted or refused).
 */
export interface ChunkProgress {
  pass: number;
  position?: { bytesDone: number; linesDone: number };
  read: number;
  accepted: number;
  refused: { line: number; outcome: unknown }[];
  waiting: LineSpan[];
  settled: number[];
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
  lines_waiting: number;
  pass: number;
  last_pass: boolean;
  finished_at: Date | null;
};

const COLUMNS =
  'job_id, institution, spool_path, size, state, bytes_done, lines_done, lines_read, lines_accepted, lines_refused, lines_waiting, pass, last_pass, finished_at';

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

  /** Commits a chunk's outcomes, waiting lines and the job's new position at once, and renews the lease; false if the lease was lost. */
  async advance(jobId: string, owner: string, leaseMs: number, progress: ChunkProgress): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, updated]: [unknown, number] = await manager.query(
        `UPDATE import_jobs SET bytes_done = COALESCE($3, bytes_done), lines_done = COALESCE($4, lines_done), lines_read = lines_read + $5,
           lines_accepted = lines_accepted + $6, pass_accepted = pass_accepted + $6, lines_refused = lines_refused + $7,
           lines_waiting = lines_waiting + $8, lease_expires_at = now() + $9 * interval '1 millisecond'
         WHERE job_id = $1 AND owner = $2 AND state = 'running' AND pass = $10`,
        [
          jobId,
          owner,
          progress.position?.bytesDone ?? null,
          progress.position?.linesDone ?? null,
          progress.read,
          progress.accepted,
          progress.refused.length,
          // Pass 1 adds its waiting lines; a later pass removes those it settled (a line waiting again is counted already).
          progress.pass === 1 ? progress.waiting.length : -progress.settled.length,
          leaseMs,
          progress.pass,
        ],
      );
      if (updated !== 1) return false;
      if (progress.refused.length > 0) {
        await manager.query(
          `INSERT INTO import_outcomes (job_id, line, outcome) SELECT $1, line, outcome FROM jsonb_to_recordset($2::jsonb) AS r(line integer, outcome jsonb)`,
          [jobId, JSON.stringify(progress.refused)],
        );
      }
      if (progress.settled.length > 0) await manager.query('DELETE FROM import_waiting WHERE job_id = $1 AND line = ANY($2)', [jobId, progress.settled]);
      if (progress.waiting.length > 0) {
        // A line waiting again moves on to the next pass.
        await manager.query(
          `INSERT INTO import_waiting (job_id, line, start_byte, end_byte, pass)
           SELECT $1, line, start_byte, end_byte, $3 FROM jsonb_to_recordset($2::jsonb) AS r(line integer, start_byte bigint, end_byte bigint)
           ON CONFLICT (job_id, line) DO UPDATE SET pass = EXCLUDED.pass`,
          [jobId, JSON.stringify(progress.waiting.map(({ line, start, end }) => ({ line, start_byte: start, end_byte: end }))), progress.pass + 1],
        );
      }
      return true;
    });
  }

  /** The next lines of a pass still to send, in line order. */
  async waiting(jobId: string, pass: number, limit: number): Promise<LineSpan[]> {
    const rows: { line: number; start_byte: string; end_byte: string }[] = await this.dataSource.query(
      'SELECT line, start_byte, end_byte FROM import_waiting WHERE job_id = $1 AND pass = $2 ORDER BY line LIMIT $3',
      [jobId, pass, limit],
    );
    return rows.map((row) => ({ line: row.line, start: Number(row.start_byte), end: Number(row.end_byte) }));
  }

  /**
   * After a pass: the next one, which is the last when this one (a later pass) accepted no waiting line. Undefined
   * when nothing waits: the job is done. False if the lease was lost.
   */
  async nextPass(jobId: string, owner: string, pass: number): Promise<ImportJob | undefined | false> {
    const [rows, updated]: [Row[], number] = await this.dataSource.query(
      `UPDATE import_jobs SET pass = pass + 1, pass_accepted = 0, last_pass = (pass > 1 AND pass_accepted = 0)
       WHERE job_id = $1 AND owner = $2 AND state = 'running' AND pass = $3 AND EXISTS (SELECT 1 FROM import_waiting w WHERE w.job_id = $1)
       RETURNING ${COLUMNS}`,
      [jobId, owner, pass],
    );
    if (updated === 1) return jobOf(rows[0]);
    const job = await this.find(jobId);
    return job?.state === 'running' && job.pass === pass ? undefined : false;
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
    linesWaiting: row.lines_waiting,
    pass: row.pass,
    lastPass: row.last_pass,
    ...(row.finished_at !== null && { finishedAt: row.finished_at.toISOString() }),
  };
}
