// The alerts table: idempotent inserts of alert events, queries for the API and the dashboard.
import type { DataSource } from 'typeorm';
import type { EventOf } from '@medshare/contracts';

export type AlertEvent = EventOf<'governance.alert.v1'>;
export type AlertKind = AlertEvent['data']['kind'];
export type AlertSeverity = AlertEvent['data']['severity'];

export interface StoredAlert {
  eventId: string;
  alertId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  summary: string;
  institution: string | null;
  details: Record<string, string | number | boolean> | null;
  source: string;
  correlationId: string;
  causationId: string;
  raisedAt: string;
}

export interface AlertQuery {
  kind?: AlertKind;
  /** Only alerts that concern this institution (an officer's scope, see `concerns`). */
  institution?: string;
  /** Only alerts raised at or after this instant. */
  since?: Date;
  limit: number;
}

export interface AlertCounts {
  kind: AlertKind;
  severity: AlertSeverity;
  count: number;
}

export interface AlertRow {
  event_id: string;
  alert_id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  summary: string;
  institution: string | null;
  details: Record<string, string | number | boolean> | null;
  source: string;
  correlation_id: string;
  causation_id: string;
  raised_at: Date;
}

const INSERT_CHUNK = 1000;

/**
 * Whether an alert row (columns prefixed by `alert`, e.g. `a.`) concerns the institution the SQL expression `who`
 * names: it is about its staff (`institution`), or it names a patient the institution holds records of
 * (care_records), as cases do. Officers see these alerts; webhook subscriptions receive them.
 */
export const concernsInstitution = (who: string, alert = '') =>
  `(${alert}institution = ${who} OR (${alert}details ? 'patient' AND EXISTS (SELECT 1 FROM care_records r WHERE r.institution = ${who} AND r.patient = ${alert}details->>'patient')))`;

/** The alerts an institution's officer sees, over the bind parameter `$n` (NULL: every alert, the operator). */
const concerns = (n: number) => `($${n}::text IS NULL OR ${concernsInstitution(`$${n}`)})`;

export class AlertsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores the alerts not stored yet (by event id or alert id); returns how many were new. */
  async store(alerts: readonly AlertEvent[]): Promise<number> {
    let stored = 0;
    // PostgreSQL takes at most 65,535 bind parameters per statement.
    for (let from = 0; from < alerts.length; from += INSERT_CHUNK) stored += await this.insert(alerts.slice(from, from + INSERT_CHUNK));
    return stored;
  }

  private async insert(alerts: readonly AlertEvent[]): Promise<number> {
    const columns = 11;
    const values: unknown[] = [];
    const rows = alerts.map((alert, row) => {
      values.push(
        alert.id,
        alert.data.alertId,
        alert.data.kind,
        alert.data.severity,
        alert.data.summary,
        alert.data.institution ?? null,
        alert.data.details === undefined ? null : JSON.stringify(alert.data.details),
        alert.source,
        alert.correlationid,
        alert.causationid,
        alert.time,
      );
      return `(${Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`).join(', ')})`;
    });
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO alerts (event_id, alert_id, kind, severity, summary, institution, details, source, correlation_id, causation_id, raised_at)
       VALUES ${rows.join(', ')}
       ON CONFLICT DO NOTHING
       RETURNING event_id`,
      values,
    );
    return inserted.length;
  }

  /**
   * Whether an alert of this kind and window key was stored less than a window before or after `at`:
   * the rules allow one per key per window, and a restart rebuilds windows that may tip at another event.
   */
  async raisedNear(kind: AlertKind, windowKey: string, at: number, windowMs: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM alerts WHERE kind = $1 AND details ? 'windowKey' AND details->>'windowKey' = $2 AND raised_at > $3 AND raised_at < $4 LIMIT 1`,
      [kind, windowKey, new Date(at - windowMs).toISOString(), new Date(at + windowMs).toISOString()],
    );
    return rows.length > 0;
  }

  /** Newest first. */
  async find({ kind, institution, since, limit }: AlertQuery): Promise<StoredAlert[]> {
    const rows: AlertRow[] = await this.dataSource.query(
      `SELECT * FROM alerts
       WHERE ($1::text IS NULL OR kind = $1) AND ($2::timestamptz IS NULL OR raised_at >= $2) AND ${concerns(4)}
       ORDER BY raised_at DESC, event_id DESC
       LIMIT $3`,
      [kind ?? null, since?.toISOString() ?? null, limit, institution ?? null],
    );
    return rows.map(toStoredAlert);
  }

  /** Which of these alert ids are stored already (seen on the alerts topic). */
  async storedAlertIds(alertIds: readonly string[]): Promise<string[]> {
    if (alertIds.length === 0) return [];
    const rows: { alert_id: string }[] = await this.dataSource.query(`SELECT alert_id FROM alerts WHERE alert_id = ANY($1)`, [[...alertIds]]);
    return rows.map((row) => row.alert_id);
  }

  async byAlertIds(alertIds: readonly string[]): Promise<StoredAlert[]> {
    if (alertIds.length === 0) return [];
    const rows: AlertRow[] = await this.dataSource.query(`SELECT * FROM alerts WHERE alert_id = ANY($1) ORDER BY raised_at, event_id`, [[...alertIds]]);
    return rows.map(toStoredAlert);
  }

  /** Per kind and severity, of one institution or (undefined) of all, raised in a period or ever. */
  async counts(institution?: string, period?: { from: Date; to: Date }): Promise<AlertCounts[]> {
    const rows: { kind: AlertKind; severity: AlertSeverity; count: string }[] = await this.dataSource.query(
      `SELECT kind, severity, count(*) AS count FROM alerts
       WHERE ${concerns(1)} AND ($2::timestamptz IS NULL OR raised_at >= $2) AND ($3::timestamptz IS NULL OR raised_at < $3)
       GROUP BY kind, severity ORDER BY kind, severity`,
      [institution ?? null, period?.from.toISOString() ?? null, period?.to.toISOString() ?? null],
    );
    return rows.map((row) => ({ kind: row.kind, severity: row.severity, count: Number(row.count) }));
  }

  /** Alerts stored after a moment (newest last), for the dashboard's live feed; of one institution or all. */
  async storedAfter(after: Date, institution?: string): Promise<{ alerts: StoredAlert[]; last: Date }> {
    const rows: (AlertRow & { stored_at: Date })[] = await this.dataSource.query(
      `SELECT * FROM alerts WHERE stored_at > $1 AND ${concerns(2)} ORDER BY stored_at, event_id LIMIT 200`,
      [after.toISOString(), institution ?? null],
    );
    return { alerts: rows.map(toStoredAlert), last: rows.at(-1)?.stored_at ?? after };
  }

  /** Alerts per UTC day and severity since a moment, for the overview chart. */
  async perDay(since: Date, institution?: string): Promise<{ day: string; severity: AlertSeverity; count: number }[]> {
    const rows: { day: string; severity: AlertSeverity; count: string }[] = await this.dataSource.query(
      `SELECT to_char(raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, severity, count(*) AS count FROM alerts
       WHERE raised_at >= $1 AND ${concerns(2)} GROUP BY 1, 2 ORDER BY 1, 2`,
      [since.toISOString(), institution ?? null],
    );
    return rows.map((row) => ({ day: row.day, severity: row.severity, count: Number(row.count) }));
  }

  async lastRaisedAt(institution?: string): Promise<string | null> {
    const [row]: { last: Date | null }[] = await this.dataSource.query(`SELECT max(raised_at) AS last FROM alerts WHERE ${concerns(1)}`, [institution ?? null]);
    return row.last ? row.last.toISOString() : null;
  }
}

export function toStoredAlert(row: AlertRow): StoredAlert {
  return {
    eventId: row.event_id,
    alertId: row.alert_id,
    kind: row.kind,
    severity: row.severity,
    summary: row.summary,
    institution: row.institution,
    details: row.details,
    source: row.source,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    raisedAt: row.raised_at.toISOString(),
  };
}
