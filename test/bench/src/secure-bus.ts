// What TLS 1.3 + SASL/SCRAM-SHA-512 costs the platform's own paths, in one run: the ledger bench (ledger.ts: events
// committed to three replicas) and the ingestion bench (ingestion.ts: HTTP -> encrypted store) each run against two
// brokers of the run's own side by side (infra/kafka/kafka.sh, one node each, same settings otherwise): one PLAINTEXT,
// one SASL_SSL with the generated ACLs, where every service logs in as its own principal. Passes in the order
// plaintext, sasl_ssl, sasl_ssl, plaintext so that a load that drifts during the run (other work on the machine)
// weighs on both; each mode's figure is the mean of its two passes, and a ratio line per figure compares them.
// Sizes: BENCH_LEDGER_SIZES and BENCH_INGESTION_BUNDLES as for those modules. Each pass prints its figures as it ends;
// a pass that fails (a loaded machine) is reported and left out of the means, the others still count.
import { randomUUID } from 'node:crypto';
import { startPrivateBroker, type PrivateBroker } from '../../support/private-broker';
import type { BenchResult } from './bench-result';
import { run as ingestionBench } from './ingestion';
import { run as ledgerBench } from './ledger';

const MODES = ['plaintext', 'sasl_ssl'] as const;
type Mode = (typeof MODES)[number];
const ORDER: readonly Mode[] = ['plaintext', 'sasl_ssl', 'sasl_ssl', 'plaintext'];
/** Figures that cross Kafka; the ledger's verification reads PostgreSQL only. */
const overKafka = (result: BenchResult) => result.eventsPerSecond !== undefined && !result.name.startsWith('verify');

export async function run(): Promise<BenchResult[]> {
  const tag = randomUUID().slice(0, 6);
  const started = await Promise.allSettled(MODES.map((security) => startPrivateBroker(`bench-bus-${security.replace('_', '')}-${tag}`, { security })));
  const brokers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  try {
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const passes: { mode: Mode; results: BenchResult[] }[] = [];
    const failures: string[] = [];
    for (const [index, mode] of ORDER.entries()) {
      try {
        const results = await onBroker(brokers[MODES.indexOf(mode)], () => platformPass());
        passes.push({ mode, results });
        for (const result of results)
          process.stdout.write(
            `  pass ${index + 1} ${mode}: ${result.name} ${Math.round(result.eventsPerSecond ?? Number.NaN)} ev/s p50 ${result.p50Ms?.toFixed(1)} p99 ${result.p99Ms?.toFixed(1)} ms\n`,
          );
      } catch (error) {
        failures.push(`pass ${index + 1} ${mode}: ${error instanceof Error ? error.message : String(error)}`);
        process.stdout.write(`  ${failures[failures.length - 1]}\n`);
      }
    }
    if (MODES.some((mode) => !passes.some((pass) => pass.mode === mode))) throw new Error(`a mode has no pass left: ${failures.join('; ')}`);
    return [...compare(passes), ...(failures.length === 0 ? [] : [{ name: 'failed passes (left out)', notes: failures.join('; ') }])];
  } finally {
    await Promise.allSettled(brokers.map((broker) => broker.remove()));
  }
}

async function platformPass(): Promise<BenchResult[]> {
  return [...(await ledgerBench()), ...(await ingestionBench())].filter(overKafka);
}

/**
 * Runs `pass` with the process environment pointing at `broker` (KAFKA_BROKERS and its security settings): the bench
 * modules' own clients then connect as the operator, and the services they start, which inherit it, as themselves.
 */
async function onBroker<T>(broker: PrivateBroker, pass: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('KAFKA_')) delete process.env[name];
  // The services take these too: on a loaded machine an acknowledgement may take longer than ingestion's 3 s (503),
  // and a bundle's body longer than 30 s to arrive (408); this bench measures throughput, not those paths.
  Object.assign(process.env, broker.clientEnv, {
    PUBLISH_TIMEOUT_MS: process.env.PUBLISH_TIMEOUT_MS ?? '30000',
    HTTP_REQUEST_TIMEOUT_MS: process.env.HTTP_REQUEST_TIMEOUT_MS ?? '120000',
  });
  try {
    return await pass();
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/** Each figure per mode (mean of its passes), then one line per figure: sasl_ssl / plaintext of events/s, p50 and p99. */
function compare(passes: readonly { mode: Mode; results: BenchResult[] }[]): BenchResult[] {
  const names = [...new Set(passes.flatMap((pass) => pass.results.map((result) => result.name)))];
  const mean = (mode: Mode, name: string, key: 'eventsPerSecond' | 'p50Ms' | 'p99Ms') => {
    const values = passes.filter((pass) => pass.mode === mode).map((pass) => pass.results.find((result) => result.name === name)?.[key] ?? Number.NaN);
    return values.reduce((sum, value) => sum + value, 0) / values.length;
  };
  const results: BenchResult[] = [];
  for (const name of names) {
    const first = passes[0].results.find((result) => result.name === name);
    for (const mode of MODES)
      results.push({
        name: `${name} ${mode}`,
        events: first?.events,
        eventsPerSecond: mean(mode, name, 'eventsPerSecond'),
        p50Ms: mean(mode, name, 'p50Ms'),
        p99Ms: mean(mode, name, 'p99Ms'),
        ceiling: first?.ceiling,
        notes: `mean of ${passes.filter((pass) => pass.mode === mode).length} passes`,
      });
    const ratio = (key: 'eventsPerSecond' | 'p50Ms' | 'p99Ms') => (mean('sasl_ssl', name, key) / mean('plaintext', name, key)).toFixed(2);
    const perPass = passes.map(
      ({ mode, results: ofPass }) => `${mode} ${Math.round(ofPass.find((result) => result.name === name)?.eventsPerSecond ?? Number.NaN)}`,
    );
    results.push({
      name: `${name} sasl_ssl/plaintext`,
      notes: `ev/s ${ratio('eventsPerSecond')}, p50 ${ratio('p50Ms')}, p99 ${ratio('p99Ms')} (ev/s per pass in order: ${perPass.join(', ')})`,
    });
  }
  return results;
}
