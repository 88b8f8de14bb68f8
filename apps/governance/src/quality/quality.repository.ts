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

/** What one submission (ingestion's `audit.submission.v1`) adds to its day: numbers only. */
export interface SubmissionQuality {
  institution: string;
  day: string;
  /** Start of the submission's hour (epoch ms): volume per hour. */
  hour: number;
  timedResources: number;
  timelinessSeconds: number;
  timelinessMaxSeconds: number;
  danglingReferences: number;
}

export interface QualityDay extends DayCounts {
  institution: string;
  refusalRate: number;
  topIssues: IssueCount[];
  /** Clinical date to receipt over the day's resources that have one; null when none had. */
  timeliness: { resources: number; meanSeconds: number; maxSeconds: number } | null;
  /** References (FHIR base submissions) that resolved to nothing the institution had sent, at submission time. */
  danglingReferences: number;
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

  async addSubmissions(manager: EntityManager, submissions: readonly SubmissionQuality[]): Promise<void> {
    if (submissions.length === 0) return;
    const column = <K extends keyof SubmissionQuality>(key: K) => submissions.map((submission) => submission[key]);
    await manager.query(
      `INSERT INTO quality_days (institution, day, timed_resources, timeliness_seconds, timeliness_max_seconds, dangling_references)
       SELECT institution, day, sum(timed), sum(seconds), max(max_seconds), sum(dangling)
       FROM unnest($1::text[], $2::date[], $3::int[], $4::bigint[], $5::bigint[], $6::int[]) AS s(institution, day, timed, seconds, max_seconds, dangling)
       GROUP BY institution, day
       ON CONFLICT (institution, day) DO UPDATE SET timed_resources = quality_days.timed_resources + EXCLUDED.timed_resources,
         timeliness_seconds = quality_days.timeliness_seconds + EXCLUDED.timeliness_seconds,
         timeliness_max_seconds = greatest(quality_days.timeliness_max_seconds, EXCLUDED.timeliness_max_seconds),
         dangling_references = quality_days.dangling_references + EXCLUDED.dangling_references`,
      [
        column('institution'),
        column('day'),
        column('timedResources'),
        column('timelinessSeconds'),
        column('timelinessMaxSeconds'),
        column('danglingReferences'),
      ],
    );
    await manager.query(
      `INSERT INTO quality_hours (institution, hour, submissions)
       SELECT institution, hour, count(*) FROM unnest($1::text[], $2::timestamptz[]) AS s(institution, hour) GROUP BY institution, hour
       ON CONFLICT (institution, hour) DO UPDATE SET submissions = quality_hours.submissions + EXCLUDED.submissions`,
      [column('institution'), submissions.map((submission) => new Date(submission.hour))],
    );
  }

  /** Per institution that submitted in any of `hours`: its submissions in each (0 where none), in the order given. */
  async hourly(hours: readonly number[]): Promise<Map<string, number[]>> {
    const rows: { institution: string; hour: Date; submissions: number }[] = await this.dataSource.query(
      `SELECT institution, hour, submissions FROM quality_hours WHERE hour = ANY($1::timestamptz[])`,
      [hours.map((hour) => new Date(hour))],
    );
    const counts = new Map<string, number[]>();
    for (const row of rows) {
      const known = counts.get(row.institution) ?? hours.map(() => 0);
      known[hours.indexOf(row.hour.getTime())] = row.submissions;
      counts.set(row.institution, known);
    }
    return counts;
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
    const rows: (DayRow & SubmissionRow)[] = await this.dataSource.query(
      `SELECT institution, to_char(day, 'YYYY-MM-DD') AS day, accepted, refused_submissions, refused_resources, duplicates,
         timed_resources, timeliness_seconds, timeliness_max_seconds, dangling_references
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
        timeliness:
          row.timed_resources === 0
            ? null
            : {
                resources: row.timed_resources,
                meanSeconds: Math.round(Number(row.timeliness_seconds) / row.timed_resources),
                maxSeconds: Number(row.timeliness_max_seconds),
              },
        danglingReferences: row.dangling_references,
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

/** bigint columns arrive as text. */
interface SubmissionRow {
  timed_resources: number;
  timeliness_seconds: string;
  timeliness_max_seconds: string;
  dangling_references: number;
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
