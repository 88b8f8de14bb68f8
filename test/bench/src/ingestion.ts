// Ingestion -> encrypted store: bundles of 100 synthetic resources POSTed to a real ingestion process, sealed,
// opened and encrypted by a real encryption process, projected into its store. Reports records/s end to end,
// the latency of each bundle until its last record is stored, the HTTP 202 latency, and each service's CPU per
// record (steadier than records/s on a shared machine). BENCH_INGESTION_BASELINE (another build's dist folder) runs
// that build's two services first, in the same run, on the same bundles, so a change is measured beside what it replaces.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { INSTITUTIONS, bundlesForLoad } from '@medshare/synthetic';
import { freePorts } from '../../support/ports';
import { startService } from '../../support/service-processes';
import { cpuSeconds, percentile, type BenchResult } from './bench-result';

const BUNDLES = Number(process.env.BENCH_INGESTION_BUNDLES ?? 200);
const RESOURCES_PER_BUNDLE = 100;
const CONCURRENCY = Number(process.env.BENCH_INGESTION_CONCURRENCY ?? 8);
const STATE_SERVER = process.env.MEDSHARE_PG_STATE ?? 'postgres://medshare@127.0.0.1:55432';
// Extra node flags for both services, e.g. BENCH_SERVICE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile them.
const SERVICE_NODE_ARGS = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
const BASELINE = process.env.BENCH_INGESTION_BASELINE;

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  if (BASELINE !== undefined) results.push(...(await ingestOnce('baseline build', BASELINE)));
  results.push(...(await ingestOnce(BASELINE === undefined ? undefined : 'this build')));
  return results;
}

async function ingestOnce(build: string | undefined, dist?: string): Promise<BenchResult[]> {
  const id = randomBytes(4).toString('hex');
  const main = (service: string) => (dist === undefined ? {} : { main: join(dist, `apps/${service}/src/main.js`) });
  const databases = { ingestion: `ingestion_bench_${id}`, encryption: `encryption_bench_${id}` };
  const source = `encryption-bench-${id}`;
  // Free ports: other checkouts run this bench on the same machine.
  const [encryptionPort, ingestionPort] = await freePorts(4290, 4390, 2);
  const encryption = await startService('encryption', {
    port: encryptionPort,
    instance: `bench-encryption-${id}`,
    nodeArgs: SERVICE_NODE_ARGS,
    ...main('encryption'),
    env: {
      LOG_LEVEL: 'warn',
      DATABASE_URL: `${STATE_SERVER}/${databases.encryption}`,
      KAFKA_GROUP_ID: `encryption-bench-${id}`,
      SERVICE_SOURCE: source,
      // A fresh store from the topic's end: replaying every earlier run's records.encrypted would be measured instead.
      SEALED_START: 'latest',
      STORE_START: 'latest',
    },
  });
  const ingestion = await startService('ingestion', {
    port: ingestionPort,
    instance: `bench-ingestion-${id}`,
    nodeArgs: SERVICE_NODE_ARGS,
    ...main('ingestion'),
    env: { LOG_LEVEL: 'warn', DATABASE_URL: `${STATE_SERVER}/${databases.ingestion}`, KAFKA_GROUP_ID: `ingestion-bench-${id}`, SEALING_KEY_SOURCE: source },
  });
  const store = new Client({ connectionString: `${STATE_SERVER}/${databases.encryption}` });
  await store.connect();
  try {
    const keys = new PlatformKeys(platformKeysSchema.parse({}));
    const tokens = new Map(
      INSTITUTIONS.map((institution) => [
        institution.id,
        issueInstitutionToken(keys.institutionPrivateKey(institution.id), { institution: institution.id, ttlSeconds: 3600 }),
      ]),
    );
    const bodies = [...bundlesForLoad(`bench-${id}`, BUNDLES + 10, RESOURCES_PER_BUNDLE)].map((bundle, index) => ({
      institution: INSTITUTIONS[index % INSTITUTIONS.length].id,
      body: JSON.stringify(bundle),
    }));
    const post = async (index: number) => {
      const { institution, body } = bodies[index];
      const started = Date.now();
      const response = await fetch(`http://127.0.0.1:${ingestionPort}/v1/fhir`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.get(institution)}`, 'content-type': 'application/fhir+json' },
        body,
      });
      const answer = (await response.json()) as { records?: { recordId: string }[] };
      if (response.status !== 202 || answer.records === undefined) throw new Error(`bundle ${index} answered ${response.status}`);
      return { started, answeredMs: Date.now() - started, recordIds: answer.records.map((record) => record.recordId) };
    };

    for (let index = 0; index < 10; index += 1) await post(BUNDLES + index); // warm-up: JIT, definitions, connections

    const sent: Awaited<ReturnType<typeof post>>[] = [];
    let next = 0;
    const cpuBefore = { ingestion: cpuSeconds(ingestion.process.pid), encryption: cpuSeconds(encryption.process.pid) };
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < BUNDLES) {
          const index = next;
          next += 1;
          sent.push(await post(index));
        }
      }),
    );
    const allIds = sent.flatMap((bundle) => bundle.recordIds);
    const deadline = Date.now() + 120_000;
    let stored = new Map<string, number>();
    while (stored.size < allIds.length) {
      if (Date.now() > deadline) throw new Error(`only ${stored.size} of ${allIds.length} records stored within 120 s`);
      await new Promise((done) => setTimeout(done, 200));
      const { rows } = await store.query('SELECT record_id, stored_at FROM encrypted_records WHERE record_id = ANY($1::text[])', [allIds]);
      stored = new Map(rows.map((row: { record_id: string; stored_at: Date }) => [row.record_id, row.stored_at.getTime()]));
    }
    // Polled every 200 ms: the CPU figures may include up to that much idle time after the last record.
    const cpuMicros = (service: 'ingestion' | 'encryption', pid: number | undefined) =>
      (((cpuSeconds(pid) - cpuBefore[service]) * 1e6) / allIds.length).toFixed(0);
    const cpu = `CPU per record: ingestion ${cpuMicros('ingestion', ingestion.process.pid)} µs, encryption ${cpuMicros('encryption', encryption.process.pid)} µs`;
    const lastStored = Math.max(...stored.values());
    const endToEnd = sent.map((bundle) => Math.max(...bundle.recordIds.map((recordId) => stored.get(recordId) as number)) - bundle.started);
    const seconds = (lastStored - started) / 1000;
    return [
      {
        name: `http->encrypted store, bundles of ${RESOURCES_PER_BUNDLE}${build === undefined ? '' : `, ${build}`}`,
        events: allIds.length,
        eventsPerSecond: allIds.length / seconds,
        ceiling: 'kafka-produce',
        p50Ms: percentile(endToEnd, 50),
        p99Ms: percentile(endToEnd, 99),
        notes: `${BUNDLES} bundles, ${CONCURRENCY} concurrent clients; latency = POST start to the bundle's last record stored; ${cpu}`,
      },
      {
        name: `http 202 (validate, seal, acks=all), bundles of ${RESOURCES_PER_BUNDLE}${build === undefined ? '' : `, ${build}`}`,
        events: BUNDLES,
        eventsPerSecond: BUNDLES / ((Math.max(...sent.map((bundle) => bundle.started + bundle.answeredMs)) - started) / 1000),
        p50Ms: percentile(
          sent.map((bundle) => bundle.answeredMs),
          50,
        ),
        p99Ms: percentile(
          sent.map((bundle) => bundle.answeredMs),
          99,
        ),
        notes: 'events = bundles here',
      },
    ];
  } finally {
    await store.end();
    await ingestion.stop();
    await encryption.stop();
    const admin = new Client({ connectionString: `${STATE_SERVER}/postgres` });
    await admin.connect();
    for (const name of Object.values(databases)) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}
