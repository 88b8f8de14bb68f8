// The case queue (a filtered table on the dashboard) and a case's own page: its facts, the steps its officers may
// take next, its alerts, its timeline and its notes. Rendered on the server; the page's script only posts a step
// and reloads.
import { caseStates, eventSchemas } from '@medshare/contracts';
import type { StoredAlert } from '../alerts/alerts.repository';
import type { Officer } from '../auth/officer';
import { canTransition, type CaseState } from '../cases/case-rules';
import type { CaseDetail, CaseSummary } from '../cases/cases.service';
import { escapeHtml as escape } from '../http/html';
import { page, SEVERITIES } from './layout';

/** The queue's filter as its form submits it: `state` a comma-separated list of states. */
export interface QueueFilter {
  state: string;
  severity?: string;
  kind?: string;
}

const CLOSED = caseStates.filter((state) => state.startsWith('closed-'));
/** What the queue shows unless told otherwise: what still needs an officer. */
export const TO_HANDLE: readonly CaseState[] = caseStates.filter((state) => !state.startsWith('closed-'));

const STATE_CHOICES: [string, string][] = [
  [TO_HANDLE.join(','), 'to handle (open, acknowledged, investigating)'],
  ...caseStates.map((state): [string, string] => [state, state]),
  [CLOSED.join(','), 'closed (any outcome)'],
  [caseStates.join(','), 'any state'],
];

const STEP_LABELS: Record<CaseState, string> = {
  open: 'Open',
  acknowledged: 'Acknowledge',
  investigating: 'Investigate',
  'closed-justified': 'Close: justified',
  'closed-violation': 'Close: violation',
  'closed-false-positive': 'Close: false positive',
};

const options = (choices: readonly [string, string][], selected: string | undefined) =>
  choices.map(([value, label]) => `<option value="${escape(value)}"${value === selected ? ' selected' : ''}>${escape(label)}</option>`).join('');

const severityCell = (severity: string) => `<td class="${SEVERITIES.find((known) => known === severity) ?? ''}">${escape(severity)}</td>`;

function caseRow(summary: CaseSummary): string {
  return `<tr data-case="${escape(summary.caseId)}"><td><a href="cases/${escape(summary.caseId)}">${escape(summary.kinds.join(', ') || 'case')}</a></td><td>${summary.riskScore}</td><td>${escape(summary.state)}${summary.escalated ? ' (escalated)' : ''}</td>${severityCell(summary.severity)}<td>${escape(summary.institution)}</td><td class="id">${escape(summary.practitioner)}</td><td>${escape(summary.assignee ?? 'nobody')}</td><td>${escape(summary.dueAt)}</td><td>${escape(summary.updatedAt)}</td></tr>`;
}

export function caseQueue(cases: readonly CaseSummary[], filter: QueueFilter): string {
  const kinds = eventSchemas['governance.alert.v1'].shape.kind.options;
  return `<section id="cases" aria-labelledby="cases-title"><h2 id="cases-title">Case queue</h2>
<form method="get" action="" class="filter" aria-label="Filter the cases">
<label for="case-state">State</label><select id="case-state" name="state">${options(STATE_CHOICES, filter.state)}</select>
<label for="case-severity">Severity</label><select id="case-severity" name="severity">${options([['', 'any'], ...SEVERITIES.map((severity): [string, string] => [severity, severity])], filter.severity ?? '')}</select>
<label for="case-kind">Alert kind</label><select id="case-kind" name="kind">${options([['', 'any'], ...kinds.map((kind): [string, string] => [kind, kind])], filter.kind ?? '')}</select>
<button type="submit">Filter</button></form>
<p id="cases-live" role="status" aria-live="polite"></p>
<table><caption>Cases, last changed first (${cases.length})</caption><thead><tr><th scope="col">case (alert kinds)</th><th scope="col">risk</th><th scope="col">state</th><th scope="col">severity</th><th scope="col">institution</th><th scope="col">practitioner</th><th scope="col">assignee</th><th scope="col">due (UTC)</th><th scope="col">last change (UTC)</th></tr></thead>
<tbody id="case-rows">${cases.length === 0 ? '<tr><td colspan="9">no case matches</td></tr>' : cases.map(caseRow).join('\n')}</tbody></table>
</section>`;
}

export interface CasePageView {
  officer: Officer;
  detail: CaseDetail;
  /** The notes, opened: only for officers of the case's institution (who alone may also change the case). */
  notes: readonly { noteId: string; at: string; actor: string | null; text: string }[] | undefined;
}

function handling(detail: CaseDetail, subject: string): string {
  const steps = caseStates.filter((to) => canTransition(detail.state, to));
  return `<section id="handling" aria-labelledby="handling-title"><h2 id="handling-title">Handle the case</h2>
<div class="actions" role="group" aria-label="Next state">${steps
    .map((to) => {
      const label = to === 'investigating' && CLOSED.includes(detail.state) ? 'Reopen for investigation' : STEP_LABELS[to];
      return `<button type="button" data-state="${escape(to)}">${escape(label)}</button>`;
    })
    .join('')}${detail.assignee === subject ? '' : `<button type="button" id="assign-me" data-assignee="${escape(subject)}">Assign to me</button>`}</div>
<form id="note-form" class="actions"><label for="note">Note (sealed: only officers of ${escape(detail.institution)} can read it)</label><textarea id="note" name="text" maxlength="10000" required></textarea><button type="submit">Add note</button></form>
<p id="outcome" role="status" aria-live="polite"></p>
</section>`;
}

export function table(caption: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `<table><caption>${escape(caption)}</caption><thead><tr>${columns.map((column) => `<th scope="col">${escape(column)}</th>`).join('')}</tr></thead>
<tbody>${rows.length === 0 ? `<tr><td colspan="${columns.length}">none</td></tr>` : rows.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
}

export function casePage({ officer, detail, notes }: CasePageView, nonce: string): string {
  const facts: [string, unknown][] = [
    ['case', detail.caseId],
    ['state', `${detail.state}${detail.escalated ? ' (escalated: overdue)' : ''}`],
    ['severity', detail.severity],
    ['risk score', `${detail.riskScore} of 100`],
    ['institution', detail.institution],
    ['practitioner', detail.practitioner],
    ...(detail.patient === null ? [] : [['patient (pseudonym)', detail.patient] as [string, unknown]]),
    ['assignee', detail.assignee ?? 'nobody'],
    ['due (UTC)', detail.dueAt],
    ['opened (UTC)', detail.openedAt],
    ['last change (UTC)', detail.updatedAt],
  ];
  const main = `<section id="case" aria-labelledby="case-title" data-case="${escape(detail.caseId)}"><h2 id="case-title">Case: ${escape(detail.kinds.join(', ') || 'no alert yet')}</h2>
<dl id="case-facts">${facts.map(([term, value]) => `<dt>${escape(term)}</dt><dd data-fact="${escape(term)}">${escape(value)}</dd>`).join('')}</dl>
</section>
${notes === undefined || officer.role !== 'privacy-officer' ? '' : handling(detail, officer.subject)}
<section id="alerts" aria-labelledby="alerts-title"><h2 id="alerts-title">Alerts</h2>
${table(
  'The alerts grouped into this case',
  ['raised (UTC)', 'kind', 'severity', 'summary'],
  detail.alerts.map((alert: StoredAlert) => [alert.raisedAt, alert.kind, alert.severity, alert.summary]),
)}</section>
<section id="timeline" aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline</h2>
${table(
  'Every step, each an event on the audited cases topic',
  ['when (UTC)', 'step', 'state after', 'by', 'assignee or note'],
  detail.timeline.map((entry) => [entry.at, entry.action, entry.state, entry.actor ?? 'governance', entry.assignee ?? entry.noteId ?? '']),
)}</section>
${
  notes === undefined
    ? ''
    : `<section id="notes" aria-labelledby="notes-title"><h2 id="notes-title">Notes</h2>
${table(
  'Sealed notes, opened for you',
  ['when (UTC)', 'by', 'note'],
  notes.map((note) => [note.at, note.actor, note.text]),
)}</section>`
}`;
  return page(
    { officer, title: 'Case · medshare governance', root: '../', nav: '<a href="../#cases">Back to the case queue</a>', main, script: CASE_SCRIPT },
    nonce,
  );
}

/** Posts a step, then reloads the page to show the case as the service now has it; a refusal names its code. */
const CASE_SCRIPT = `const caseId = document.getElementById('case').dataset.case;
const outcome = document.getElementById('outcome');
const step = async (what, body) => {
  const answer = await post('v1/cases/' + caseId + '/' + what, body);
  if (answer.ok) { window.location.reload(); return; }
  const problem = await answer.json().catch(() => ({}));
  outcome.textContent = 'Refused (' + answer.status + (problem.code ? ', ' + problem.code : '') + ')';
};
for (const button of document.querySelectorAll('button[data-state]')) button.addEventListener('click', () => step('state', { state: button.dataset.state }));
const assignMe = document.getElementById('assign-me');
if (assignMe) assignMe.addEventListener('click', () => step('assignee', { assignee: assignMe.dataset.assignee }));
const noteForm = document.getElementById('note-form');
if (noteForm) noteForm.addEventListener('submit', (event) => { event.preventDefault(); step('notes', { text: document.getElementById('note').value }); });`;
