// Bulk $import end to end: an EHR export of BENCH_IMPORT_PATIENTS patients as NDJSON, POSTed to a real ingestion
// process (with encryption and access control running beside it), from the POST until the status URL says done:
// every line validated, versioned, sealed and acknowledged by Kafka, in chunks of IMPORT_CHUNK_LINES (500).
// BENCH_IMPORT_BASELINE (another build's dist/apps/ingestion/src/main.js) imports the same file through that build
// first, in the same run, so a change is measured beside what it replaces; ingestion's CPU per line is the steadier figure.
import { ehrExport, exportNdjson } from '@medshare/synthetic';
import { startFhirPlatform } from '../../support/fhir-platform';
import { cpuSeconds, type BenchResult } from './bench-result';

const PATIENTS = Number(process.env.BENCH_IMPORT_PATIENTS ?? 400);
/** Node flags for ingestion, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (written when the bench stops it). */
const NODE_ARGS = process.env.BENCH_IMPORT_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
const BASELINE = process.env.BENCH_IMPORT_BASELINE;

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  if (BASELINE !== undefined) results.push(await importOnce('baseline build', BASELINE));
  results.push(await importOnce('this build'));
  return results;
}

async function importOnce(build: string, main?: string): Promise<BenchResult> {
  const platform = await startFhirPlatform('bimp', {}, { nodeArgs: NODE_ARGS, ...(main !== undefined && { main }) });
  try {
    const ndjson = exportNdjson(ehrExport(61, { id: platform.holder, name: 'Holder hospital (synthetic)' }, PATIENTS));
    const lines = ndjson.trimEnd().split('\n').length;
    const token = platform.systemToken(platform.holder);
    const cpuBefore = cpuSeconds(platform.ingestion.process.pid);
    const started = performance.now();
    const answer = await platform.call(platform.ingestion, 'POST', '/fhir/R4/$import', { token, body: ndjson, contentType: 'application/fhir+ndjson' });
    const spooledMs = performance.now() - started;
    const location = answer.headers.get('content-location');
    if (answer.status !== 202 || location === null) throw new Error(`$import answered ${answer.status}`);
    for (;;) {
      const status = await platform.call(platform.ingestion, 'GET', location, { token });
      if (status.status === 200) {
        const seconds = (performance.now() - started) / 1000;
        if (status.body['linesAccepted'] !== lines) throw new Error(`${String(status.body['linesAccepted'])} of ${lines} lines accepted`);
        return {
          name: `$import of ${lines} NDJSON lines (${PATIENTS} patients), ${build}`,
          events: lines,
          eventsPerSecond: lines / seconds,
          ceiling: 'kafka-produce',
          notes: `POST to done (spooled in ${Math.round(spooledMs)} ms; ${(ndjson.length / 1024 / 1024).toFixed(1)} MiB); ingestion CPU per line ${(
            ((cpuSeconds(platform.ingestion.process.pid) - cpuBefore) * 1e6) /
            lines
          ).toFixed(0)} µs`,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await platform.remove();
  }
}
