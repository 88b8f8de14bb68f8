// The dashboard page: static, self-contained HTML whose script polls the API and renders with textContent only.

/** The nonce is base64 from the server's random bytes; nothing else in the page comes from a request or the data. */
export function dashboardHtml(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>medshare governance</title>
<style nonce="${nonce}">
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
  #status { color: #5a6270; font-size: .85rem; }
  .cards { display: flex; flex-wrap: wrap; gap: .6rem; }
  .card { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: .5rem .8rem; min-width: 9rem; }
  .card b { display: block; font-size: 1.4rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { border-bottom: 1px solid #e6e9ee; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #eef1f5; font-weight: 600; }
  .critical { color: #a4161a; font-weight: 600; } .warning { color: #9a6700; } .info { color: #2f5d8a; }
</style>
</head>
<body>
<h1>medshare governance</h1>
<div id="status">loading…</div>
<h2>Alerts by kind</h2>
<div class="cards" id="kinds"></div>
<h2>Events consumed since start</h2>
<table><thead><tr><th>topic</th><th>events</th></tr></thead><tbody id="consumed"></tbody></table>
<h2>Latest alerts</h2>
<table><thead><tr><th>raised</th><th>kind</th><th>severity</th><th>institution</th><th>source</th><th>summary</th></tr></thead><tbody id="alerts"></tbody></table>
<script nonce="${nonce}">
'use strict';
// Every value is set with textContent: alert text from other services is never parsed as HTML.
function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (className) td.className = className;
  row.appendChild(td);
}
function replaceRows(id, rows) {
  const body = document.getElementById(id);
  body.replaceChildren(...rows);
}
function renderSummary(summary) {
  const cards = [['all alerts', summary.alerts.total]].concat(Object.entries(summary.alerts.byKind).map(([kind, counts]) => [kind, counts.total]));
  document.getElementById('kinds').replaceChildren(...cards.map(([label, count]) => {
    const card = document.createElement('div');
    card.className = 'card';
    const number = document.createElement('b');
    number.textContent = String(count);
    card.append(number, document.createTextNode(label));
    return card;
  }));
  replaceRows('consumed', Object.entries(summary.consumed.byTopic).map(([topic, count]) => {
    const row = document.createElement('tr');
    cell(row, topic);
    cell(row, count);
    return row;
  }));
  return summary.alerts.lastAlertAt;
}
function renderAlerts(alerts) {
  replaceRows('alerts', alerts.map((alert) => {
    const row = document.createElement('tr');
    cell(row, alert.raisedAt);
    cell(row, alert.kind);
    cell(row, alert.severity, ['critical', 'warning', 'info'].includes(alert.severity) ? alert.severity : '');
    cell(row, alert.institution);
    cell(row, alert.source);
    cell(row, alert.summary);
    return row;
  }));
}
async function refresh() {
  const status = document.getElementById('status');
  try {
    const [summary, page] = await Promise.all([fetch('v1/summary').then((r) => r.json()), fetch('v1/alerts?limit=50').then((r) => r.json())]);
    const last = renderSummary(summary);
    renderAlerts(page.alerts);
    status.textContent = 'updated ' + new Date().toLocaleTimeString() + (last ? ' · last alert ' + last : ' · no alerts yet');
  } catch (error) {
    status.textContent = 'refresh failed: ' + (error && error.message ? error.message : String(error));
  }
}
refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
`;
}
