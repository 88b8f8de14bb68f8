// Adds up the Jest JSON reports of all tiers in a report folder into one closing line:
// "tests: N passed, N failed, N skipped". A tier that did not finish or did not exit (a <tier>.unfinished note
// from scripts/test.sh) counts as one failure more, whatever its report says.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const folder = process.argv[2];
const files = readdirSync(folder);
const tiers = [...new Set(files.filter((file) => /\.(json|unfinished)$/.test(file)).map((file) => file.replace(/\.(json|unfinished)$/, '')))];

let passed = 0;
let failed = 0;
let skipped = 0;
for (const tier of tiers) {
  const unfinished = files.includes(`${tier}.unfinished`);
  if (unfinished) process.stderr.write(readFileSync(join(folder, `${tier}.unfinished`), 'utf8'));
  let report;
  try {
    report = JSON.parse(readFileSync(join(folder, `${tier}.json`), 'utf8'));
  } catch {
    failed += 1; // a tier that wrote no report crashed (or was killed) before it could count
    if (!unfinished) process.stderr.write(`no readable report for the ${tier} tier\n`);
    continue;
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites + (unfinished ? 1 : 0);
  skipped += report.numPendingTests + report.numTodoTests;
}
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
