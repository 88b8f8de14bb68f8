// The cases projection in PostgreSQL: built from the alerts topic (which case an alert joins) and the cases topic
// (every handling step), idempotently, so a replay or a rebuild into an empty database gives the same cases.
import type { DataSource, EntityManager } from 'typeorm';
import type { EventOf } from '@medshare/contracts';
import { caseKeyOf, emptyCase, withAlert, withChange, type CaseAlert, type CaseLimits, type CaseRecord, type CaseSeverity, type CaseState } from './case-rules';
import type { SealedNote } from './case-notes';

export type CaseEvent = EventOf<'governance.case.v1'>;

interface CaseRow {
  case_id: string;
  institution: string;
  practitioner: string | null;
  patient: string | null;
  window_start: Date | null;
  kinds: string[];
  severity: CaseSeverity;
  risk_score: number;
  state: CaseState;
  assignee: string | null;
  due_at: Date | null;
  escalated_at: Date | null;
  alert_count: number;
  opened_at: Date | null;
  updated_at: Date;
}

export interface TimelineRow {
  eventId: string;
  at: string;
  action: 'alert' | CaseEvent['data']['action'];
  state: CaseState;
  actor: string | null;
  assignee: string | null;
  note: SealedNote | null;
}

export interface CaseQuery {
  /** Undefined: every institution (the platform operator). */
  institution?: string;
  states?: readonly CaseState[];
  kind?: string;
  severity?: CaseSeverity;
  practitioner?: string;
  since?: Date;
  until?: Date;
  limit: number;
}

export class CasesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly limits: CaseLimits,
  ) {}

  /**
   * Adds each alert to its case once (a replayed alert changes nothing); alerts that name no practitioner are not
   * cases. One transaction per batch: the alerts topic has one partition, so one instance applies them at a time.
   */
  async applyAlerts(alerts: readonly CaseAlert[]): Promise<number> {
    const keyed = alerts.flatMap((alert) => {
      const key = caseKeyOf(alert, this.limits);
      return key ? [{ alert, key }] : [];
    });
    if (keyed.length === 0) return 0;
    return this.dataSource.transaction(async (manager) => {
      const joined: { case_id: string; alert_id: string }[] = await manager.query(
        `INSERT INTO case_alerts (case_id, alert_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING RETURNING case_id, alert_id`,
        [keyed.map(({ key }) => key.caseId), keyed.map(({ alert }) => alert.alertId)],
      );
      const isNew = new Set(joined.map((row) => `${row.case_id}\n${row.alert_id}`));
      const fresh = keyed.filter(({ key, alert }) => isNew.delete(`${key.caseId}\n${alert.alertId}`));
      if (fresh.length === 0) return 0;
      const rows: CaseRow[] = await manager.query(`SELECT * FROM cases WHERE case_id = ANY($1) ORDER BY case_id FOR UPDATE`, [
        [...new Set(fresh.map(({ key }) => key.caseId))],
      ]);
      const cases = new Map(rows.map((row) => [row.case_id, recordOf(row)]));
      const events: { id: string; caseId: string; at: string; state: CaseState }[] = [];
      for (const { alert, key } of fresh) {
        const next = withAlert(cases.get(key.caseId) ?? emptyCase(key.caseId, key.institution, Date.parse(alert.raisedAt)), key, alert, this.limits);
        cases.set(key.caseId, next);
        events.push({ id: `alert:${alert.alertId}`, caseId: key.caseId, at: alert.raisedAt, state: next.state });
      }
      for (const record of cases.values()) await this.save(manager, record);
      await manager.query(
        `INSERT INTO case_events (event_id, case_id, at, action, state) SELECT e.id, e.case_id, e.at, 'alert', e.state FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) AS e(id, case_id, at, state) ON CONFLICT DO NOTHING`,
        [events.map((e) => e.id), events.map((e) => e.caseId), events.map((e) => e.at), events.map((e) => e.state)],
      );
      return fresh.length;
    });
  }

  /** Applies handling events once each, in the order given (the cases topic has one partition). */
  async applyCaseEvents(events: readonly CaseEvent[], manager?: EntityManager): Promise<void> {
    const apply = async (tx: EntityManager) => {
      for (const event of events) {
        const { caseId, institution, action, state, actor, assignee, note } = event.data;
        const inserted: unknown[] = await tx.query(
          `INSERT INTO case_events (event_id, case_id, at, action, state, actor, assignee, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING event_id`,
          [event.id, caseId, event.time, action, state, actor ?? null, assignee ?? null, note === undefined ? null : JSON.stringify(note)],
        );
        if (inserted.length === 0) continue;
        const at = Date.parse(event.time);
        const current = (await this.lockedCase(tx, caseId)) ?? emptyCase(caseId, institution, at);
        await this.save(tx, withChange(current, { action, state, ...(assignee === undefined ? {} : { assignee }) }, at));
      }
    };
    if (manager) await apply(manager);
    else await this.dataSource.transaction(apply);
  }

  async lockedCase(manager: EntityManager, caseId: string): Promise<CaseRecord | undefined> {
    const [row]: CaseRow[] = await manager.query(`SELECT * FROM cases WHERE case_id = $1 FOR UPDATE`, [caseId]);
    return row ? recordOf(row) : undefined;
  }

  async byId(caseId: string): Promise<CaseRecord | undefined> {
    const [row]: CaseRow[] = await this.dataSource.query(`SELECT * FROM cases WHERE case_id = $1`, [caseId]);
    return row ? recordOf(row) : undefined;
  }

  /**
   * Newest first. An institution sees cases about its staff, and cases about patients it holds records of
   * (care_records): the two ways a case concerns it.
   */
  async find(query: CaseQuery): Promise<CaseRecord[]> {
    const rows: CaseRow[] = await this.dataSource.query(
      `SELECT * FROM cases c
       WHERE ($1::text IS NULL OR c.institution = $1 OR EXISTS (SELECT 1 FROM care_records r WHERE r.institution = $1 AND r.patient = c.patient))
         AND ($2::text[] IS NULL OR c.state = ANY($2))
         AND ($3::text IS NULL OR $3 = ANY(c.kinds))
         AND ($4::text IS NULL OR c.severity = $4)
         AND ($5::text IS NULL OR c.practitioner = $5)
         AND ($6::timestamptz IS NULL OR c.updated_at >= $6)
         AND ($7::timestamptz IS NULL OR c.updated_at < $7)
       ORDER BY c.updated_at DESC, c.case_id
       LIMIT $8`,
      [
        query.institution ?? null,
        query.states ? [...query.states] : null,
        query.kind ?? null,
        query.severity ?? null,
        query.practitioner ?? null,
        query.since?.toISOString() ?? null,
        query.until?.toISOString() ?? null,
        query.limit,
      ],
    );
    return rows.map(recordOf);
  }

  /**
   * Cases changed in this database after a cursor (oldest first), in an institution's view or all: the live feed. The
   * cursor is PostgreSQL's own text of the last change (microseconds; a JavaScript Date would cut them and repeat rows).
   */
  async changedAfter(after: string, institution?: string): Promise<{ cases: CaseRecord[]; last: string }> {
    const rows: (CaseRow & { cursor: string })[] = await this.dataSource.query(
      `SELECT c.*, c.changed_at::text AS cursor FROM cases c
       WHERE c.changed_at > $1::timestamptz
         AND ($2::text IS NULL OR c.institution = $2 OR EXISTS (SELECT 1 FROM care_records r WHERE r.institution = $2 AND r.patient = c.patient))
       ORDER BY c.changed_at, c.case_id LIMIT 200`,
      [after, institution ?? null],
    );
    return { cases: rows.map(recordOf), last: rows.at(-1)?.cursor ?? after };
  }

  /** The review case of each break-glass use (by decision id; access control's `break-glass` alert names it). */
  async breakGlassReviews(decisionIds: readonly string[]): Promise<Map<string, BreakGlassReview>> {
    if (decisionIds.length === 0) return new Map();
    const rows: { decision_id: string; case_id: string; state: CaseState; escalated_at: Date | null }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (a.details->>'decisionId') a.details->>'decisionId' AS decision_id, c.case_id, c.state, c.escalated_at
       FROM alerts a JOIN case_alerts ca ON ca.alert_id = a.alert_id JOIN cases c ON c.case_id = ca.case_id
       WHERE a.kind = 'break-glass' AND a.details->>'decisionId' = ANY($1::text[])
       ORDER BY a.details->>'decisionId', c.updated_at DESC`,
      [[...decisionIds]],
    );
    return new Map(rows.map((row) => [row.decision_id, { caseId: row.case_id, state: row.state, escalated: row.escalated_at !== null }]));
  }

  /** An institution's cases opened in a period, and those closed in it by their last closing step there (per outcome). */
  async openedAndClosed(institution: string, period: { from: Date; to: Date }): Promise<{ opened: number; closed: { outcome: CaseState; count: number }[] }> {
    const bounds = [institution, period.from.toISOString(), period.to.toISOString()];
    const [opened]: { count: string }[] = await this.dataSource.query(
      `SELECT count(*) AS count FROM cases WHERE institution = $1 AND opened_at >= $2 AND opened_at < $3`,
      bounds,
    );
    const closed: { outcome: CaseState; count: string }[] = await this.dataSource.query(
      `SELECT outcome, count(*) AS count FROM (
         SELECT DISTINCT ON (e.case_id) e.state AS outcome FROM case_events e JOIN cases c ON c.case_id = e.case_id
         WHERE c.institution = $1 AND e.action = 'state-changed' AND e.state LIKE 'closed-%' AND e.at >= $2 AND e.at < $3
         ORDER BY e.case_id, e.at DESC, e.event_id DESC) AS last_closing
       GROUP BY outcome ORDER BY outcome`,
      bounds,
    );
    return { opened: Number(opened.count), closed: closed.map((row) => ({ outcome: row.outcome, count: Number(row.count) })) };
  }

  async concerns(institution: string, record: CaseRecord): Promise<boolean> {
    if (record.institution === institution) return true;
    if (record.patient === null) return false;
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM care_records WHERE institution = $1 AND patient = $2`, [institution, record.patient]);
    return rows.length > 0;
  }

  async timeline(caseId: string): Promise<TimelineRow[]> {
    const rows: {
      event_id: string;
      at: Date;
      action: TimelineRow['action'];
      state: CaseState;
      actor: string | null;
      assignee: string | null;
      note: SealedNote | null;
    }[] = await this.dataSource.query(`SELECT event_id, at, action, state, actor, assignee, note FROM case_events WHERE case_id = $1 ORDER BY at, event_id`, [
      caseId,
    ]);
    return rows.map((row) => ({
      eventId: row.event_id,
      at: row.at.toISOString(),
      action: row.action,
      state: row.state,
      actor: row.actor,
      assignee: row.assignee,
      note: row.note,
    }));
  }

  async alertIdsOf(caseId: string): Promise<string[]> {
    const rows: { alert_id: string }[] = await this.dataSource.query(`SELECT alert_id FROM case_alerts WHERE case_id = $1 ORDER BY alert_id`, [caseId]);
    return rows.map((row) => row.alert_id);
  }

  /** Open, unacknowledged, unescalated cases past their due time, locked for the caller's transaction. */
  async lockOverdue(manager: EntityManager, now: Date, limit: number): Promise<CaseRecord[]> {
    const rows: CaseRow[] = await manager.query(
      `SELECT * FROM cases WHERE state = 'open' AND escalated_at IS NULL AND due_at < $1 ORDER BY due_at, case_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), limit],
    );
    return rows.map(recordOf);
  }

  private async save(manager: EntityManager, record: CaseRecord): Promise<void> {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    await manager.query(
      `INSERT INTO cases (case_id, institution, practitioner, patient, window_start, kinds, severity, risk_score, state, assignee, due_at, escalated_at, alert_count, opened_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (case_id) DO UPDATE SET practitioner = EXCLUDED.practitioner, patient = EXCLUDED.patient, window_start = EXCLUDED.window_start,
         kinds = EXCLUDED.kinds, severity = EXCLUDED.severity, risk_score = EXCLUDED.risk_score, state = EXCLUDED.state, assignee = EXCLUDED.assignee,
         due_at = EXCLUDED.due_at, escalated_at = EXCLUDED.escalated_at, alert_count = EXCLUDED.alert_count, opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at,
         changed_at = clock_timestamp()`,
      [
        record.caseId,
        record.institution,
        record.practitioner,
        record.patient,
        iso(record.windowStart),
        record.kinds,
        record.severity,
        record.riskScore,
        record.state,
        record.assignee,
        iso(record.dueAt),
        iso(record.escalatedAt),
        record.alertCount,
        iso(record.openedAt),
        iso(record.updatedAt),
      ],
    );
  }
}

export interface BreakGlassReview {
  caseId: string;
  state: CaseState;
  escalated: boolean;
}

function recordOf(row: CaseRow): CaseRecord {
  const ms = (date: Date | null) => (date === null ? null : date.getTime());
  return {
    caseId: row.case_id,
    institution: row.institution,
    practitioner: row.practitioner,
    patient: row.patient,
    windowStart: ms(row.window_start),
    kinds: row.kinds,
    severity: row.severity,
    riskScore: row.risk_score,
    state: row.state,
    assignee: row.assignee,
    dueAt: ms(row.due_at),
    escalatedAt: ms(row.escalated_at),
    alertCount: row.alert_count,
    openedAt: ms(row.opened_at),
    updatedAt: row.updated_at.getTime(),
  };
}
