// Writes test/support/durations.json from the Jest JSON reports of a run (a checkout's .data/test-reports, this
// one's by default): seconds per int and e2e spec file, which test/support/shard-sequencer.js deals out between the
// shards of a tier. Unit files are many and short: an even count per shard balances them. Run it after an `npm test`
// when specs were added or their durations changed much; a stale table only makes the shards less even, never skips
// a file.
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const folder = resolve(process.argv[2] ?? join(root, '.data/test-reports'));
const checkout = resolve(folder, '../..');
const durations = {};
for (const file of readdirSync(folder).filter((name) => /^(int|e2e)\b.*\.json$/.test(name))) {
  for (const result of JSON.parse(readFileSync(join(folder, file), 'utf8')).testResults) {
    durations[relative(checkout, result.name)] = Math.max(1, Math.round((result.endTime - result.startTime) / 1000));
  }
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(join(root, 'test/support/durations.json'), `${JSON.stringify(sorted, null, 2)}\n`);
process.stdout.write(`${Object.keys(sorted).length} files in test/support/durations.json\n`);
