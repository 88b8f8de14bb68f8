// `npm run bench`: runs every benchmark module under test/bench/src (or those named on the command line)
// against the real servers, prints one table and writes .data/bench/results.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, resolve } from 'node:path';
import type { BenchModule, BenchResult } from './bench-result';

const helpers = new Set(['main', 'bench-result']);

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const modules = readdirSync(__dirname)
    .filter((file) => file.endsWith('.js'))
    .map((file) => basename(file, '.js'))
    .filter((name) => !helpers.has(name) && (wanted.length === 0 || wanted.includes(name)))
    .sort();
  const all: Array<BenchResult & { module: string }> = [];
  process.stdout.write(
    `bench: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; modules: ${modules.join(', ')}\n`,
  );
  for (const name of modules) {
    const module = (await import(resolve(__dirname, `${name}.js`))) as BenchModule;
    const results = await module.run();
    for (const result of results) {
      all.push({ module: name, ...result });
      process.stdout.write(`${format(name, result)}\n`);
    }
  }
  const out = resolve(__dirname, '../../../../.data/bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(resolve(out, 'results.json'), JSON.stringify({ at: new Date().toISOString(), loadavg: loadavg(), results: all }, null, 2));
  process.stdout.write(`bench: results in ${resolve(out, 'results.json')}\n`);
}

function format(module: string, r: BenchResult): string {
  const cells = [
    `${module}/${r.name}`.padEnd(48),
    r.events === undefined ? '' : `${r.events} events`,
    r.eventsPerSecond === undefined ? '' : `${Math.round(r.eventsPerSecond)} ev/s`,
    r.p50Ms === undefined ? '' : `p50 ${r.p50Ms.toFixed(3)} ms`,
    r.p99Ms === undefined ? '' : `p99 ${r.p99Ms.toFixed(3)} ms`,
    r.notes ?? '',
  ];
  return cells.filter(Boolean).join('  ');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
