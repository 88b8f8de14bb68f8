// Data quality in PostgreSQL, shared by every governance instance: per institution and UTC day the resources
// accepted and refused, refused submissions, resubmitted duplicates and issue counts; rejections per counting window.
import type { DataSource, EntityManager } from 'typeorm';
import { refusalRate, resubmissions, type ContentFirst, type DayCounts, type IssueCount, type RejectionContribution } from './quality-rules';

export interface AcceptedRecord {
  institution: string;
  day: string;
  recordId: string;
  contentHash: string;
}

export interface QualityDay extends DayCounts {
  institution: string;
  refusalRate: number;
  topIssues: IssueCount[];
}

const TOP_ISSUES = 5;

export class QualityRepository {
  constructor(private readonly dataSource: DataSource) {}

  async addRejections(manager: EntityManager, rejections: readonly RejectionContribution[]): Promise<void> {
    if (rejections.length === 0) return;
    await manager.query(
      `INSERT INTO quality_days (institution, day, refused_submissions, refused_resources)
       SELECT institution, day, count(*), sum(resources) FROM unnest($1::text[], $2::date[], $3::int[]) AS r(institution, day, resources)
       GROUP BY institution, day
       ON CONFLICT (institution, day) DO UPDATE SET refused_submissions = quality_days.refused_submissions + EXCLUDED.refused_submissions,
         refused_resources = quality_days.refused_resources + EXCLUDED.refused_resources`,
      [rejections.map((r) => r.institution), rejections.map((r) => r.day), rejections.map((r) => r.refusedResources)],
    );
    await manager.query(
      `INSERT INTO quality_windows (institution, window_start, rejected)
       SELECT institution, window_start, count(*) FROM unnest($1::text[], $2::timestamptz[]) AS r(institution, window_start) GROUP BY institution, window_start
       ON CONFLICT (institution, window_start) DO UPDATE SET rejected = quality_windows.rejected + EXCLUDED.rejected`,
      [rejections.map((r) => r.institution), rejections.map((r) => new Date(r.windowStart).toISOString())],
    );
    const issues = rejections.flatMap((r) => r.issues.map((issue) => ({ ...issue, institution: r.institution, day: r.day })));
    await manager.query(
      `INSERT INTO quality_issues (institution, day, code, path, count)
       SELECT institution, day, code, path, count(*) FROM unnest($1::text[], $2::date[], $3::text[], $4::text[]) AS i(institution, day, code, path)
       GROUP BY institution, day, code, path
       ON CONFLICT (institution, day, code, path) DO UPDATE SET count = quality_issues.count + EXCLUDED.count`,
      [issues.map((i) => i.institution), issues.map((i) => i.day), issues.map((i) => i.code), issues.map((i) => i.path)],
    );
  }

  /**
   * Counts accepted records and resubmitted duplicates (`resubmissions`: all but a content's earliest record). The
   * contents are locked first (advisory locks in key order), so instances counting the same content wait in turn.
   */
  async addAccepted(manager: EntityManager, records: readonly AcceptedRecord[]): Promise<void> {
    if (records.length === 0) return;
    const keyOf = (r: { institution: string; contentHash: string }) => `${r.institution}\n${r.contentHash}`;
    const keys = [...new Set(records.map(keyOf))].sort();
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS locked`, [keys]);
    const rows: { institution: string; content_hash: string; record_id: string; day: string | null }[] = await manager.query(
      `SELECT institution, content_hash, record_id, to_char(day, 'YYYY-MM-DD') AS day FROM quality_contents c
       JOIN unnest($1::text[], $2::text[]) AS r(institution, content_hash) USING (institution, content_hash)`,
      [records.map((r) => r.institution), records.map((r) => r.contentHash)],
    );
    const stored = new Map<string, ContentFirst>(
      rows.map((row) => [keyOf({ institution: row.institution, contentHash: row.content_hash }), { recordId: row.record_id, day: row.day }]),
    );
    const { firsts, duplicates } = resubmissions(
      stored,
      records.map((r) => ({ content: keyOf(r), recordId: r.recordId, day: r.day })),
    );
    const changed = [...firsts].map(([key, first]) => ({ key: key.split('\n'), first }));
    await manager.query(
      `INSERT INTO quality_contents (institution, content_hash, record_id, day)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[])
       ON CONFLICT (institution, content_hash) DO UPDATE SET record_id = EXCLUDED.record_id, day = EXCLUDED.day`,
      [changed.map((c) => c.key[0]), changed.map((c) => c.key[1]), changed.map((c) => c.first.recordId), changed.map((c) => c.first.day)],
    );
    // Accepted on each record's day; duplicates on theirs (an old first's day may be outside this batch).
    const counted = [
      ...records.map((r) => ({ institution: r.institution, day: r.day, accepted: 1, duplicate: 0 })),
      ...duplicates.map((d) => ({ institution: d.content.split('\n')[0], day: d.day, accepted: 0, duplicate: 1 })),
    ];
    await manager.query(
      `INSERT INTO quality_days (institution, day, accepted, duplicates)
       SELECT institution, day, sum(accepted), sum(duplicate) FROM unnest($1::text[], $2::date[], $3::int[], $4::int[]) AS r(institution, day, accepted, duplicate)
       GROUP BY institution, day
       ON CONFLICT (institution, day) DO UPDATE SET accepted = quality_days.accepted + EXCLUDED.accepted,
         duplicates = quality_days.duplicates + EXCLUDED.duplicates`,
      [counted.map((c) => c.institution), counted.map((c) => c.day), counted.map((c) => c.accepted), counted.map((c) => c.duplicate)],
    );
  }

  /** The institution's counts of each of `days` (a day with nothing counted is left out). */
  async days(manager: EntityManager, institution: string, days: readonly string[]): Promise<DayCounts[]> {
    const rows: DayRow[] = await manager.query(
      `SELECT institution, to_char(day, 'YYYY-MM-DD') AS day, accepted, refused_submissions, refused_resources, duplicates
       FROM quality_days WHERE institution = $1 AND day = ANY($2::date[])`,
      [institution, days],
    );
    return rows.map(countsOf);
  }

  async windowCount(manager: EntityManager, institution: string, windowStart: number): Promise<number> {
    const [row]: { rejected: number }[] = await manager.query(`SELECT rejected FROM quality_windows WHERE institution = $1 AND window_start = $2`, [
      institution,
      new Date(windowStart).toISOString(),
    ]);
    return row?.rejected ?? 0;
  }

  async topIssues(manager: EntityManager, institution: string, day: string): Promise<IssueCount[]> {
    return manager.query(`SELECT code, path, count FROM quality_issues WHERE institution = $1 AND day = $2 ORDER BY count DESC, code, path LIMIT $3`, [
      institution,
      day,
      TOP_ISSUES,
    ]);
  }

  /** Every institution-day in [from, to] (of one institution, if named), newest first. */
  async daily(institution: string | undefined, from: string, to: string): Promise<QualityDay[]> {
    const rows: DayRow[] = await this.dataSource.query(
      `SELECT institution, to_char(day, 'YYYY-MM-DD') AS day, accepted, refused_submissions, refused_resources, duplicates
       FROM quality_days WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR institution = $3)
       ORDER BY day DESC, institution LIMIT 5000`,
      [from, to, institution ?? null],
    );
    const days: QualityDay[] = [];
    for (const row of rows) {
      const counts = countsOf(row);
      days.push({
        institution: row.institution,
        ...counts,
        refusalRate: refusalRate(counts),
        topIssues: await this.topIssues(this.dataSource.manager, row.institution, counts.day),
      });
    }
    return days;
  }
}

interface DayRow {
  institution: string;
  day: string;
  accepted: number;
  refused_submissions: number;
  refused_resources: number;
  duplicates: number;
}

function countsOf(row: DayRow): DayCounts {
  return {
    day: row.day,
    accepted: row.accepted,
    refusedSubmissions: row.refused_submissions,
    refusedResources: row.refused_resources,
    duplicates: row.duplicates,
  };
}
