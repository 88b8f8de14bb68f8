// The officer's dashboard: overview with charts, the alert queue (live over server-sent events), reports and
// platform health, rendered on the server; the one script (nonce) only follows the live feed and signs out.
import type { StoredAlert } from '../alerts/alerts.repository';
import type { Officer } from '../auth/officer';

export interface DashboardView {
  officer: Officer;
  alertsChart: string;
  purposeChart: string;
  bySeverity: Record<string, number>;
  alerts: readonly StoredAlert[];
  consumed: Record<string, number>;
  ledgerHead: { height: number; treeSize: number; timestamp: string } | undefined;
}

const escape = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
const SEVERITIES = ['critical', 'warning', 'info'] as const;

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
  const { officer } = view;
  const who = officer.role === 'privacy-officer' ? `privacy officer of ${officer.institution}` : 'platform operator';
  const csrf = officer.via.kind === 'session' ? officer.via.csrfToken : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>medshare governance</title>
<style nonce="${nonce}">
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #14213d; color: #fff; padding: .8rem 1.5rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
  header h1 { font-size: 1.25rem; margin: 0; } header p { margin: 0; }
  nav a, header button { color: #fff; margin-right: 1rem; } header button { background: none; border: 1px solid #fff; border-radius: 4px; padding: .3rem .8rem; font: inherit; cursor: pointer; }
  main { padding: 1rem 1.5rem; max-width: 72rem; }
  h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
  .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; color: #14213d; padding: .4rem; z-index: 2; }
  a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f2b705; outline-offset: 2px; }
  a { color: #1f4e8c; }
  .cards { display: flex; flex-wrap: wrap; gap: .6rem; } .card { background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: .5rem .9rem; min-width: 8rem; } .card b { display: block; font-size: 1.4rem; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; } figure { margin: 0; background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: .6rem; } figcaption { font-weight: 600; margin-bottom: .3rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; } caption { text-align: left; font-weight: 600; padding: .3rem 0; }
  th, td { border-bottom: 1px solid #d5dae1; padding: .35rem .5rem; text-align: left; vertical-align: top; } th { background: #e8ecf2; }
  .critical { color: #a4161a; font-weight: 600; } .warning { color: #7a4d00; } .info { color: #2f5d8a; }
  form.report { background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: .6rem .9rem; margin-bottom: .6rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  form.report input { min-width: 22rem; padding: .3rem; border: 1px solid #6b7280; border-radius: 4px; font: inherit; } form.report select { font: inherit; padding: .3rem; }
  form.report button { font: inherit; padding: .35rem .9rem; background: #1f4e8c; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  #live { font-size: .9rem; color: #374151; }
</style>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header>
<div><h1>medshare governance</h1><p>Signed in as ${escape(officer.subject)}, ${escape(who)}</p></div>
<nav aria-label="Sections"><a href="#overview">Overview</a><a href="#queue">Alert queue</a><a href="#reports">Reports</a><a href="#health">Platform health</a>${csrf ? '<button type="button" id="sign-out">Sign out</button>' : ''}</nav>
</header>
<main id="content" data-csrf="${escape(csrf)}">
<section id="overview" aria-labelledby="overview-title"><h2 id="overview-title">Overview</h2>
<div class="cards">${SEVERITIES.map((severity) => `<div class="card"><b>${view.bySeverity[severity] ?? 0}</b><span class="${severity}">${severity}</span> alerts</div>`).join('')}</div>
<div class="charts"><figure><figcaption>Alerts per day (UTC, last 14 days)</figcaption>${view.alertsChart}</figure><figure><figcaption>Disclosures per purpose (last 30 days)</figcaption>${view.purposeChart}</figure></div>
</section>
<section id="queue" aria-labelledby="queue-title"><h2 id="queue-title">Alert queue</h2>
<p id="live" role="status" aria-live="polite">Live updates connecting…</p>
<table><caption>Newest first</caption><thead><tr><th scope="col">raised (UTC)</th><th scope="col">kind</th><th scope="col">severity</th><th scope="col">institution</th><th scope="col">summary</th></tr></thead>
<tbody id="alerts">${view.alerts.map(alertRow).join('\n')}</tbody></table>
</section>
<section id="reports" aria-labelledby="reports-title"><h2 id="reports-title">Reports</h2>${reportForms(officer)}</section>
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
</section>
</main>
<script nonce="${nonce}">
'use strict';
// Alert text comes from other services: it is set with textContent, never parsed as HTML.
const body = document.getElementById('alerts');
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
const signOut = document.getElementById('sign-out');
if (signOut) signOut.addEventListener('click', async () => {
  const answer = await fetch('auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': document.getElementById('content').dataset.csrf } });
  const { next } = await answer.json();
  window.location.assign(next);
});
</script>
</body>
</html>
`;
}
