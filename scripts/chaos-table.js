// Prints the fault table from the rows the chaos specs wrote (test/chaos/chaos-results.ts); exit code 1 if any row
// lost or duplicated something, or if no row was written at all.
const { existsSync, readFileSync } = require('node:fs');

const file = process.argv[2];
const rows = existsSync(file)
  ? readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
const columns = ['fault', 'acknowledged', 'lost', 'duplicated', 'recoveryMs', 'alertRaised', 'verify'];
const cells = [columns, ...rows.map((row) => columns.map((column) => String(row[column])))];
const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
for (const [index, line] of cells.entries()) {
  console.log(`| ${line.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`);
  if (index === 0) console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
}
const bad = rows.filter((row) => row.lost > 0 || row.duplicated > 0);
if (rows.length === 0) console.log('chaos: no fault was run to the end');
if (bad.length > 0) console.log(`chaos: ${bad.length} fault(s) lost or duplicated acknowledged events`);
process.exit(rows.length === 0 || bad.length > 0 ? 1 : 0);
