// What a privacy officer does with cases: find, read, assign, move through states, write sealed notes. Every
// change is a governance.case.v1 event (outbox, then Kafka, then the ledger); overdue open cases escalate.
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { envelope, MAX_NOTE_CHARS, officerSubject, topics } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import { AlertsRepository, type StoredAlert } from '../alerts/alerts.repository';
import { OutboxRepository } from '../outbox/outbox.repository';
import { CaseError, CaseErrorCode } from './case-error';
import { CaseNotes } from './case-notes';
import { canTransition, isOverdue, withChange, type CaseChange, type CaseRecord, type CaseSeverity, type CaseState } from './case-rules';
import { CasesRepository, type CaseEvent, type CaseQuery } from './cases.repository';

export const CASES_SOURCE = 'governance';

/** An officer of one institution, or the platform operator (sees every case, never a patient pseudonym). */
export type Scope = { operator: true } | { institution: string };
/** Who may change a case and read its notes: an officer of the case's own institution. */
export type Handler = { institution: string };

export interface CaseSummary {
  caseId: string;
  institution: string;
  practitioner: string | null;
  patient: string | null;
  windowStart: string | null;
  kinds: string[];
  severity: CaseSeverity;
  riskScore: number;
  state: CaseState;
  assignee: string | null;
  dueAt: string | null;
  escalated: boolean;
  alertCount: number;
  openedAt: string | null;
  updatedAt: string;
}

export interface CaseTimelineEntry {
  eventId: string;
  at: string;
  action: 'alert' | 'assigned' | 'state-changed' | 'note-added' | 'escalated';
  state: CaseState;
  actor: string | null;
  assignee: string | null;
  noteId: string | null;
}

export interface CaseDetail extends CaseSummary {
  alerts: StoredAlert[];
  timeline: CaseTimelineEntry[];
}

/** The officer's filter: the query without the scope, which the caller's login decides. */
export type CaseFilter = Omit<CaseQuery, 'institution' | 'states'> & { state?: CaseState[] };

export class CasesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly alerts: AlertsRepository,
    private readonly outbox: OutboxRepository,
    private readonly publisher: EventPublisher,
    private readonly notes: CaseNotes,
    private readonly log: Logger,
  ) {}

  async find(scope: Scope, filter: CaseFilter): Promise<CaseSummary[]> {
    const { state, ...rest } = filter;
    const records = await this.cases.find({
      ...rest,
      ...(state ? { states: state } : {}),
      ...('institution' in scope ? { institution: scope.institution } : {}),
    });
    return records.map((record) => summaryOf(record, scope));
  }

  /** Cases changed after `after` in the scope's view, and the cursor to ask from next: the dashboard's live feed. */
  async changedAfter(scope: Scope, after: string): Promise<{ cases: CaseSummary[]; last: string }> {
    const { cases, last } = await this.cases.changedAfter(after, 'institution' in scope ? scope.institution : undefined);
    return { cases: cases.map((record) => summaryOf(record, scope)), last };
  }

  async get(scope: Scope, caseId: string): Promise<CaseDetail | undefined> {
    const record = await this.visible(scope, caseId);
    if (!record) return undefined;
    const [alertIds, timeline] = await Promise.all([this.cases.alertIdsOf(caseId), this.cases.timeline(caseId)]);
    const alerts = await this.alerts.byAlertIds(alertIds);
    return {
      ...summaryOf(record, scope),
      alerts: 'operator' in scope ? alerts.map(({ details, ...alert }) => ({ ...alert, details: details && withoutPatient(details) })) : alerts,
      timeline: timeline.map(({ note, ...entry }) => ({ ...entry, noteId: note?.noteId ?? null })),
    };
  }

  /** Officers of the case's own institution handle it (its staff acted); an officer who only holds the patient's records reads it. */
  async transition(scope: Handler, caseId: string, command: { to: CaseState; actor: string }): Promise<CaseSummary> {
    const actor = checkActor(command.actor);
    return this.change(scope, caseId, actor, (record) => {
      if (!canTransition(record.state, command.to))
        throw new CaseError(CaseErrorCode.InvalidTransition, `a case in state ${record.state} cannot become ${command.to}`);
      return { action: 'state-changed', state: command.to };
    });
  }

  async assign(scope: Handler, caseId: string, command: { assignee: string; actor: string }): Promise<CaseSummary> {
    const actor = checkActor(command.actor);
    const assignee = checkActor(command.assignee, 'assignee');
    return this.change(scope, caseId, actor, (record) => ({ action: 'assigned', state: record.state, assignee }));
  }

  /** Only officers of the case's own institution write and read notes: they may name the patient. */
  async addNote(scope: Handler, caseId: string, command: { text: string; actor: string }): Promise<{ noteId: string }> {
    const actor = checkActor(command.actor);
    if (typeof command.text !== 'string' || command.text.trim().length === 0 || command.text.length > MAX_NOTE_CHARS) {
      throw new CaseError(CaseErrorCode.InvalidInput, `text: a note of 1-${MAX_NOTE_CHARS} characters`);
    }
    const noteId = randomUUID();
    await this.change(scope, caseId, actor, (record) => ({
      action: 'note-added',
      state: record.state,
      note: this.notes.seal(caseId, record.institution, noteId, command.text),
    }));
    return { noteId };
  }

  async readNotes(scope: Handler, caseId: string): Promise<{ noteId: string; at: string; actor: string | null; text: string }[]> {
    const record = handledBy(scope, await this.visible(scope, caseId));
    const timeline = await this.cases.timeline(caseId);
    return timeline.flatMap(({ note, at, actor }) => {
      if (!note) return [];
      const text = this.notes.open(caseId, record.institution, note);
      return text === undefined ? [] : [{ noteId: note.noteId, at, actor, text }];
    });
  }

  /** Escalates open cases past their due time, once each, whichever instance gets there first. */
  async escalateOverdue(now = new Date(), limit = 100): Promise<number> {
    const escalated = await this.dataSource.transaction(async (manager) => {
      const overdue = (await this.cases.lockOverdue(manager, now, limit)).filter((record) =>
        isOverdue(record.state, record.dueAt, record.escalatedAt !== null, now.getTime()),
      );
      const events = overdue.map((record) => this.caseEvent(record, { action: 'escalated', state: record.state }, undefined, now));
      await this.record(manager, events);
      return events.length;
    });
    if (escalated > 0) {
      this.log.info({ escalated }, 'overdue cases escalated');
      await this.flush();
    }
    return escalated;
  }

  /** Publishes what the outbox holds (also called on a timer: a change committed while Kafka was away goes out later). */
  async flush(): Promise<void> {
    try {
      await this.outbox.publishPending(this.publisher);
    } catch (error) {
      this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'outbox not published yet');
    }
  }

  private async change(
    scope: Handler,
    caseId: string,
    actor: string,
    decide: (record: CaseRecord) => CaseChange & { note?: CaseEvent['data']['note'] },
  ): Promise<CaseSummary> {
    handledBy(scope, await this.visible(scope, caseId));
    const next = await this.dataSource.transaction(async (manager) => {
      const record = await this.cases.lockedCase(manager, caseId);
      if (!record) throw new CaseError(CaseErrorCode.NotFound, 'no such case');
      const change = decide(record);
      const event = this.caseEvent(record, change, actor);
      await this.record(manager, [event]);
      return withChange(record, change, Date.parse(event.time));
    });
    await this.flush();
    return summaryOf(next, scope);
  }

  private caseEvent(record: CaseRecord, change: CaseChange & { note?: CaseEvent['data']['note'] }, actor?: string, now = new Date()): CaseEvent {
    return envelope(
      'governance.case.v1',
      CASES_SOURCE,
      {
        caseId: record.caseId,
        institution: record.institution,
        action: change.action,
        state: change.state,
        ...(actor === undefined ? {} : { actor }),
        ...(change.assignee === undefined ? {} : { assignee: change.assignee }),
        ...(change.note === undefined ? {} : { note: change.note }),
        ...(record.dueAt === null ? {} : { dueAt: new Date(record.dueAt).toISOString() }),
      },
      { time: now },
    );
  }

  /** In the caller's transaction: the event joins the outbox and the projection together, or neither. */
  private async record(manager: EntityManager, events: readonly CaseEvent[]): Promise<void> {
    await this.outbox.publishLater(
      topics.governanceCases,
      events.map((event) => ({ id: event.id, event })),
      manager,
    );
    await this.cases.applyCaseEvents(events, manager);
  }

  private async visible(scope: Scope, caseId: string): Promise<CaseRecord | undefined> {
    const record = await this.cases.byId(caseId);
    if (!record) return undefined;
    if ('operator' in scope) return record;
    return (await this.cases.concerns(scope.institution, record)) ? record : undefined;
  }
}

/** The case, if the officer's institution is the one that handles it: 404 out of view, 403 in view but another's. */
function handledBy(scope: Handler, record: CaseRecord | undefined): CaseRecord {
  if (!record) throw new CaseError(CaseErrorCode.NotFound, 'no such case');
  if (record.institution !== scope.institution) throw new CaseError(CaseErrorCode.NotCaseInstitution, "only officers of the case's institution handle it");
  return record;
}

function summaryOf(record: CaseRecord, scope: Scope): CaseSummary {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    caseId: record.caseId,
    institution: record.institution,
    practitioner: record.practitioner,
    // The operator runs the platform, not the investigation: it has no need for the patient's pseudonym.
    patient: 'operator' in scope ? null : record.patient,
    windowStart: iso(record.windowStart),
    kinds: record.kinds,
    severity: record.severity,
    riskScore: record.riskScore,
    state: record.state,
    assignee: record.assignee,
    dueAt: iso(record.dueAt),
    escalated: record.escalatedAt !== null,
    alertCount: record.alertCount,
    openedAt: iso(record.openedAt),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}

function withoutPatient(details: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  const { patient: _patient, ...rest } = details;
  return rest;
}

function checkActor(value: string, field = 'actor'): string {
  if (!officerSubject.safeParse(value).success) throw new CaseError(CaseErrorCode.InvalidInput, `${field}: 1-128 letters, digits or . _ @ : -`);
  return value;
}
