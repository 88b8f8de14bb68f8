// `npm run bench [-- --repeat N] [--compare FILE] [--rate F] [module...]`: measures the raw ceilings (ceilings.ts), then runs
// every benchmark module under test/bench/src (or those named) against the real servers, N times (3 by default).
// Each figure is printed beside its same-run ceiling and the ratio; the summary has the medians of the runs, and
// .data/bench/results.json keeps everything. `--compare` prints this run's ratios beside those of an earlier file.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, resolve } from 'node:path';
import type { BenchModule, BenchResult } from './bench-result';
import { CEILINGS, measureCeilings, type CeilingName, type Ceilings } from './ceilings';

const helpers = new Set(['main', 'bench-result', 'ceilings']);

interface Run extends BenchResult {
  ceilingPerSecond?: number;
  ratio?: number;
}

/** The medians of one figure over the repetitions, as results.json keeps and --compare reads them. */
interface Summary {
  module: string;
  name: string;
  runs: Run[];
  events?: number;
  eventsPerSecond?: number;
  p50Ms?: number;
  p99Ms?: number;
  ceiling?: CeilingName;
  ratio?: number;
}

interface Options {
  repeat: number;
  compare?: string;
  modules: string[];
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const modules = readdirSync(__dirname)
    .filter((file) => file.endsWith('.js'))
    .map((file) => basename(file, '.js'))
    .filter((name) => !helpers.has(name) && (options.modules.length === 0 || options.modules.includes(name)))
    .sort();
  const loadBefore = loadavg();
  process.stdout.write(`bench: ${cpus().length} cores, load average ${loads(loadBefore)}; modules: ${modules.join(', ')}; ${options.repeat} repetitions\n`);
  const ceilingRuns: Ceilings[] = [];
  const byFigure = new Map<string, Summary>();
  for (let repetition = 1; repetition <= options.repeat; repetition += 1) {
    const ceilings = await measureCeilings();
    ceilingRuns.push(ceilings);
    process.stdout.write(
      `\n# run ${repetition}/${options.repeat}, load average ${loads(loadavg())}\nceilings: ${CEILINGS.map((name) => `${name} ${rounded(ceilings[name])}/s`).join(', ')}\n`,
    );
    for (const module of modules) {
      const { run } = (await import(resolve(__dirname, `${module}.js`))) as BenchModule;
      for (const result of await run()) {
        const ceilingPerSecond = result.ceiling === undefined ? undefined : ceilings[result.ceiling];
        const ratio = ceilingPerSecond === undefined || result.eventsPerSecond === undefined ? undefined : result.eventsPerSecond / ceilingPerSecond;
        const figure = { ...result, ceilingPerSecond, ratio };
        const key = `${module}/${result.name}`;
        const summary = byFigure.get(key) ?? { module, name: result.name, ceiling: result.ceiling, runs: [] };
        summary.runs.push(figure);
        byFigure.set(key, summary);
        process.stdout.write(`${format(key, figure)}\n`);
      }
    }
  }
  const ceilingMedians = Object.fromEntries(CEILINGS.map((name) => [name, median(ceilingRuns.map((run) => run[name]))])) as Ceilings;
  const summaries = [...byFigure.values()].map((summary) => ({
    ...summary,
    events: summary.runs[summary.runs.length - 1].events,
    eventsPerSecond: median(summary.runs.map((run) => run.eventsPerSecond)),
    p50Ms: median(summary.runs.map((run) => run.p50Ms)),
    p99Ms: median(summary.runs.map((run) => run.p99Ms)),
    // Each run's ratio uses that run's ceiling; the median of those is steadier than a ratio of medians.
    ratio: median(summary.runs.map((run) => run.ratio)),
  }));
  const loadAfter = loadavg();
  process.stdout.write(`\n# medians of ${options.repeat} runs, load average ${loads(loadAfter)}\n`);
  process.stdout.write(`ceilings: ${CEILINGS.map((name) => `${name} ${rounded(ceilingMedians[name])}/s`).join(', ')}\n`);
  for (const summary of summaries) process.stdout.write(`${format(`${summary.module}/${summary.name}`, summary)}\n`);
  if (options.compare !== undefined) compare(summaries, options.compare);

  const out = resolve(__dirname, '../../../../.data/bench');
  mkdirSync(out, { recursive: true });
  const file = resolve(out, 'results.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        cores: cpus().length,
        loadavg: { before: loadBefore, after: loadAfter },
        repeat: options.repeat,
        ceilings: { median: ceilingMedians, runs: ceilingRuns },
        results: summaries,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`bench: results in ${file}\n`);
}

function parseArgs(args: string[]): Options {
  const options: Options = { repeat: 3, modules: [] };
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--repeat') options.repeat = Number(args[++i]);
    else if (args[i] === '--compare') options.compare = args[++i];
    // Modules that have a steady-rate phase read it (ledger: offered rate = this fraction of its measured maximum).
    else if (args[i] === '--rate') process.env.BENCH_RATE = args[++i];
    else options.modules.push(args[i]);
  }
  if (!Number.isInteger(options.repeat) || options.repeat < 1) throw new Error('--repeat wants a positive integer');
  const rate = Number(process.env.BENCH_RATE ?? 1);
  if (!(rate > 0 && rate <= 1)) throw new Error('--rate wants a fraction in (0, 1]');
  if (options.compare !== undefined && !existsSync(options.compare)) throw new Error(`--compare: no file ${options.compare}`);
  return options;
}

/** This run's medians beside an earlier results.json's: the ratios to the ceilings are what compare across machines and loads. */
function compare(now: readonly Summary[], file: string): void {
  const then = new Map(
    ((JSON.parse(readFileSync(file, 'utf8')) as { results?: Summary[] }).results ?? []).map((summary) => [`${summary.module}/${summary.name}`, summary]),
  );
  process.stdout.write(`\n# compared with ${file} (now / then)\n`);
  for (const summary of now) {
    const key = `${summary.module}/${summary.name}`;
    const earlier = then.get(key);
    if (earlier === undefined) continue;
    const cells = [key.padEnd(64)];
    if (summary.ratio !== undefined && earlier.ratio !== undefined)
      cells.push(`ratio to ${summary.ceiling} ${summary.ratio.toFixed(3)} / ${earlier.ratio.toFixed(3)} (x${(summary.ratio / earlier.ratio).toFixed(2)})`);
    if (summary.eventsPerSecond !== undefined && earlier.eventsPerSecond !== undefined)
      cells.push(
        `${rounded(summary.eventsPerSecond)} / ${rounded(earlier.eventsPerSecond)} ev/s (x${(summary.eventsPerSecond / earlier.eventsPerSecond).toFixed(2)})`,
      );
    if (summary.p99Ms !== undefined && earlier.p99Ms !== undefined) cells.push(`p99 ${summary.p99Ms.toFixed(1)} / ${earlier.p99Ms.toFixed(1)} ms`);
    process.stdout.write(`${cells.join('  ')}\n`);
  }
}

function format(key: string, r: Run | Summary): string {
  const ceilingPerSecond = 'ceilingPerSecond' in r ? r.ceilingPerSecond : undefined;
  const cells = [
    key.padEnd(64),
    r.events === undefined ? '' : `${r.events} events`,
    r.eventsPerSecond === undefined ? '' : `${rounded(r.eventsPerSecond)} ev/s`,
    r.p50Ms === undefined ? '' : `p50 ${r.p50Ms.toFixed(3)} ms`,
    r.p99Ms === undefined ? '' : `p99 ${r.p99Ms.toFixed(3)} ms`,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(3)} of ${r.ceiling}${ceilingPerSecond === undefined ? '' : ` (${rounded(ceilingPerSecond)}/s)`}`,
    'runs' in r ? `[${r.runs.map((run) => (run.eventsPerSecond === undefined ? '-' : rounded(run.eventsPerSecond))).join(' ')}]` : (r.notes ?? ''),
  ];
  return cells.filter(Boolean).join('  ');
}

/** Median of the defined values (mean of the middle two for an even count); undefined when none. */
function median(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined && Number.isFinite(value)).sort((a, b) => a - b);
  if (defined.length === 0) return undefined;
  const middle = Math.floor(defined.length / 2);
  return defined.length % 2 === 1 ? defined[middle] : (defined[middle - 1] + defined[middle]) / 2;
}

const rounded = (value: number) => String(Math.round(value));
const loads = (values: number[]) => values.map((load) => load.toFixed(2)).join(' ');

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
