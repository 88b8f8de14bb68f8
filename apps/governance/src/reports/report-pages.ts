// Printable report pages (server-rendered HTML, no script, print styles) and the institution report as CSV.
import type { DisclosureLine, Period, ShredLine } from './reports.repository';
import { escapeHtml as escape } from '../http/html';

const day = (instant: Date) => instant.toISOString().slice(0, 10);

export interface PageSection {
  heading: string;
  intro?: string;
  columns: string[];
  rows: unknown[][];
}

export function reportPage(title: string, period: Period, sections: readonly PageSection[], nonce: string): string {
  const tables = sections
    .map(
      (section) => `<section><h2>${escape(section.heading)}</h2>${section.intro ? `<p>${escape(section.intro)}</p>` : ''}
<table><thead><tr>${section.columns.map((column) => `<th scope="col">${escape(column)}</th>`).join('')}</tr></thead>
<tbody>${section.rows.length === 0 ? `<tr><td colspan="${section.columns.length}">none in this period</td></tr>` : section.rows.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`).join('\n')}</tbody></table></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style nonce="${nonce}">
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #9aa3af; padding: .25rem .45rem; text-align: left; vertical-align: top; font-size: .9rem; }
th { background: #e8ecf2; } td { word-break: break-all; } .meta { color: #374151; }
a { color: #1f4e8c; } a:focus { outline: 3px solid #f2b705; }
@media print { body { margin: 0; } a.screen { display: none; } th { background: none; } }
</style></head><body><main>
<a class="screen" href="/">Back to the dashboard</a>
<h1>${escape(title)}</h1>
<p class="meta">Period: ${escape(day(period.from))} to ${escape(day(period.to))} (UTC). Generated ${escape(new Date().toISOString())} by medshare governance.</p>
${tables}
</main></body></html>`;
}

/** The lines as an officer reads them (accounting) or as the patient does (access report). */
export function disclosureRows(lines: readonly DisclosureLine[], proven: ReadonlySet<string>): unknown[][] {
  return lines.map((line) => [
    line.disclosedAt,
    line.requesterInstitution,
    line.practitioner,
    line.resourceTypes.join(', '),
    `${line.purpose}${line.breakGlass ? ' (emergency access)' : ''}${line.deIdentified ? ', de-identified' : ''}`,
    line.eventId,
    proven.has(line.eventId) ? 'inclusion proof in the download' : 'not yet in a committed ledger block',
  ]);
}

export function shredRows(lines: readonly ShredLine[], proven: ReadonlySet<string>, withPatient: boolean): unknown[][] {
  return lines.map((line) => [
    line.shreddedAt,
    ...(withPatient ? [line.patient] : []),
    line.reason,
    line.destroyedDeks,
    line.eventId,
    proven.has(line.eventId) ? 'proven' : 'not yet in a committed ledger block',
  ]);
}

/** RFC 4180: every field quoted, quotes doubled, CRLF line ends; a cell a spreadsheet would run as a formula is prefixed with '. */
export function csv(rows: readonly (readonly unknown[])[]): string {
  const field = (cell: unknown) => {
    const text = String(cell);
    return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replaceAll('"', '""')}"`;
  };
  return rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
