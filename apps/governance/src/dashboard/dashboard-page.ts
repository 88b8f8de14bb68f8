// The officer's dashboard: overview with charts, the case queue (filtered), the alert queue (live over server-sent
// events, with the case queue's rows), reports and platform health, rendered on the server; its script only follows
// the live feed.
import type { StoredAlert } from '../alerts/alerts.repository';
import type { Officer } from '../auth/officer';
import type { CaseSummary } from '../cases/cases.service';
import type { DeadLetterCounts } from '../health/dead-letters.repository';
import { escapeHtml as escape } from '../http/html';
import { caseQueue, type QueueFilter } from './case-pages';
import { page, SEVERITIES } from './layout';

export interface DashboardView {
  officer: Officer;
  alertsChart: string;
  purposeChart: string;
  bySeverity: Record<string, number>;
  cases: readonly CaseSummary[];
  filter: QueueFilter;
  alerts: readonly StoredAlert[];
  consumed: Record<string, number>;
  deadLetters: readonly DeadLetterCounts[];
  ledgerHead: { height: number; treeSize: number; timestamp: string } | undefined;
}

function alertRow(alert: StoredAlert): string {
  const severity = SEVERITIES.includes(alert.severity) ? alert.severity : '';
  return `<tr><td>${escape(alert.raisedAt)}</td><td>${escape(alert.kind)}</td><td class="${severity}">${escape(alert.severity)}</td><td>${escape(alert.institution)}</td><td>${escape(alert.summary)}</td></tr>`;
}

function reportForms(officer: Officer): string {
  if (officer.role === 'platform-operator') {
    return `<form method="get" action="v1/reports/institution" class="report">
<label for="institution">Institution</label><input id="institution" name="institution" required pattern="[a-z0-9][a-z0-9-]{1,62}">
<label for="institution-format">Format</label><select id="institution-format" name="format"><option value="html">printable page</option><option value="csv">CSV</option></select>
<button type="submit">Institution report</button></form>
<p><a href="v1/reports/erasures?format=html">Erasure report (all institutions, without patient pseudonyms)</a></p>`;
  }
  return `<form method="get" action="v1/reports/disclosures" class="report" id="disclosure-form">
<label for="patient">Patient identifier (system|value)</label><input id="patient" name="patient" required autocomplete="off" placeholder="https://${escape(officer.institution)}.medshare.example/mrn|12345">
<label for="format">Format</label><select id="format" name="format"><option value="html">printable page</option><option value="fhir">FHIR Bundle (download, verify with npx medshare-verify disclosures)</option></select>
<button type="submit">Accounting of disclosures</button></form>
<form method="get" action="v1/reports/access" class="report">
<label for="access-patient">Patient identifier (system|value)</label><input id="access-patient" name="patient" required autocomplete="off"><input type="hidden" name="format" value="html">
<button type="submit">Access report for the patient (GDPR Art. 15)</button></form>
<p><a href="v1/reports/institution?format=html">Institution report</a> · <a href="v1/reports/institution?format=csv">as CSV</a></p>`;
}

export function dashboardPage(view: DashboardView, nonce: string): string {
  const main = `<section id="overview" aria-labelledby="overview-title"><h2 id="overview-title">Overview</h2>
<div class="cards">${SEVERITIES.map((severity) => `<div class="card"><b>${view.bySeverity[severity] ?? 0}</b><span class="${severity}">${severity}</span> alerts</div>`).join('')}</div>
<div class="charts"><figure><figcaption>Alerts per day (UTC, last 14 days)</figcaption>${view.alertsChart}</figure><figure><figcaption>Disclosures per purpose (last 30 days)</figcaption>${view.purposeChart}</figure></div>
</section>
${caseQueue(view.cases, view.filter)}
<section id="queue" aria-labelledby="queue-title"><h2 id="queue-title">Alert queue</h2>
<p id="live" role="status" aria-live="polite">Live updates connecting…</p>
<table><caption>Newest first</caption><thead><tr><th scope="col">raised (UTC)</th><th scope="col">kind</th><th scope="col">severity</th><th scope="col">institution</th><th scope="col">summary</th></tr></thead>
<tbody id="alerts">${view.alerts.map(alertRow).join('\n')}</tbody></table>
</section>
<section id="reports" aria-labelledby="reports-title"><h2 id="reports-title">Reports</h2>${reportForms(view.officer)}</section>
<section id="health" aria-labelledby="health-title"><h2 id="health-title">Platform health</h2>
<table><caption>Ledger</caption><tbody>${
    view.ledgerHead === undefined
      ? '<tr><td>the ledger does not answer</td></tr>'
      : `<tr><th scope="row">signed head</th><td>height ${view.ledgerHead.height}, ${view.ledgerHead.treeSize} events, signed ${escape(view.ledgerHead.timestamp)}</td></tr>`
  }</tbody></table>
<table><caption>Events this governance instance consumed since it started</caption><thead><tr><th scope="col">topic</th><th scope="col">events</th></tr></thead><tbody>${Object.entries(
    view.consumed,
  )
    .map(([topic, count]) => `<tr><td>${escape(topic)}</td><td>${count}</td></tr>`)
    .join('')}</tbody></table>
<table><caption>Dead letters per topic (every service, from the dead-letter topic)</caption><thead><tr><th scope="col">topic</th><th scope="col">total</th><th scope="col">last 24 h</th><th scope="col">newest (UTC)</th></tr></thead><tbody id="dead-letters">${
    view.deadLetters.length === 0
      ? '<tr><td colspan="4">none</td></tr>'
      : view.deadLetters
          .map(({ topic, total, lastDay, lastAt }) => `<tr><td>${escape(topic)}</td><td>${total}</td><td>${lastDay}</td><td>${escape(lastAt)}</td></tr>`)
          .join('')
  }</tbody></table>
</section>`;
  return page(
    {
      officer: view.officer,
      title: 'medshare governance',
      root: '',
      nav: '<a href="#overview">Overview</a><a href="#cases">Case queue</a><a href="#queue">Alert queue</a><a href="#reports">Reports</a><a href="#health">Platform health</a><a href="webhooks">Webhooks</a>',
      main,
      script: LIVE_FEED,
    },
    nonce,
  );
}

/** Alert and case text comes from other services: it is set with textContent, never parsed as HTML. */
const LIVE_FEED = `const body = document.getElementById('alerts');
const live = document.getElementById('live');
const stream = new EventSource('v1/stream');
stream.addEventListener('open', () => { live.textContent = 'Live: new alerts appear at the top.'; });
stream.addEventListener('error', () => { live.textContent = 'Live updates interrupted; reconnecting…'; });
stream.addEventListener('alert', (message) => {
  const alert = JSON.parse(message.data);
  const row = document.createElement('tr');
  for (const [text, className] of [[alert.raisedAt], [alert.kind], [alert.severity, ['critical', 'warning', 'info'].includes(alert.severity) ? alert.severity : ''], [alert.institution], [alert.summary]]) {
    const cell = document.createElement('td');
    cell.textContent = text === null || text === undefined ? '' : String(text);
    if (className) cell.className = className;
    row.appendChild(cell);
  }
  body.prepend(row);
  live.textContent = 'New ' + alert.severity + ' alert: ' + alert.kind;
});
// A changed case replaces its row, on top, while it still matches the queue's filter (else it leaves the queue).
const caseRows = document.getElementById('case-rows');
const casesLive = document.getElementById('cases-live');
const filter = { states: document.getElementById('case-state').value.split(','), severity: document.getElementById('case-severity').value, kind: document.getElementById('case-kind').value };
stream.addEventListener('case', (message) => {
  const item = JSON.parse(message.data);
  for (const old of [...caseRows.rows]) if (!old.dataset.case || old.dataset.case === item.caseId) old.remove();
  const kinds = Array.isArray(item.kinds) ? item.kinds.join(', ') : '';
  casesLive.textContent = 'Case changed: ' + (kinds || 'case') + ', now ' + item.state;
  if (!filter.states.includes(item.state) || (filter.severity && filter.severity !== item.severity) || (filter.kind && !item.kinds.includes(filter.kind))) return;
  const row = document.createElement('tr');
  row.dataset.case = item.caseId;
  const link = document.createElement('a');
  link.href = 'cases/' + encodeURIComponent(item.caseId);
  link.textContent = kinds || 'case';
  const first = document.createElement('td');
  first.appendChild(link);
  row.appendChild(first);
  for (const [text, className] of [[item.riskScore], [item.state + (item.escalated ? ' (escalated)' : '')], [item.severity, ['critical', 'warning', 'info'].includes(item.severity) ? item.severity : ''], [item.institution], [item.practitioner, 'id'], [item.assignee ?? 'nobody'], [item.dueAt], [item.updatedAt]]) {
    const cell = document.createElement('td');
    cell.textContent = text === null || text === undefined ? '' : String(text);
    if (className) cell.className = className;
    row.appendChild(cell);
  }
  caseRows.prepend(row);
});`;
