// Issue 14's platform-wide fault run: the five services as processes on a three-node cluster started by
// infra/kafka/kafka.sh (RF 3, min ISR 2) and three ledger replicas on PostgreSQL servers of the run's own, FHIR
// submissions at a steady rate (each retried under its Idempotency-Key until 202, as a hospital system does), and one
// fault at a time mid-stream (test/chaos/platform-faults.ts). Then it counts exactly: every acknowledged record once in
// the encrypted store and once on records.encrypted; every offset of every audited topic once on each ledger replica;
// `medshare-verify replica` valid on each. Each fault's row counts what was acknowledged from its start to the next
// fault's. CHAOS_FAULTS=name,name runs a subset (the names in platform-faults.ts).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { allTopics, parseEvent, topics, type EventOf } from '@medshare/contracts';
import { ensureTopics } from '@medshare/messaging';
import { closeAll } from '../support/cleanup';
import { databaseUrl, queryRows, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import type { PrivateBroker } from '../support/private-broker';
import { startPrivatePlatform, type PrivatePlatform } from '../support/private-platform';
import { PrivatePostgres } from '../support/private-postgres';
import { readTopic, readTopics, waitForGroupCoordinator, type Offsets } from '../support/topic-reader';
import { recordChaosRows, type ChaosRow } from './chaos-results';
import { KafkaTestCluster } from './kafka-cluster';
import { AlertWatch, FhirLoad, platformFaults, type FaultContext, type FaultOutcome } from './platform-faults';

const run = randomBytes(3).toString('hex');
const name = `chaos${run}`;
const STEADY_MS = 5_000;
const verifyCli = require.resolve('../../tools/verify/bin/medshare-verify.js');
const auditedTopics = allTopics.filter((topic) => topic.audited).map((topic) => topic.name);
const selected = process.env.CHAOS_FAULTS?.split(',').filter(Boolean);
const faults = platformFaults.filter((fault) => !selected || selected.includes(fault.name));

const log = (line: string) => process.stdout.write(`platform chaos: ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where a fault's window starts: the time, and the end of every audited topic's partitions. */
interface Mark {
  at: number;
  ends: Map<string, Offsets>;
}

describe('the platform under faults (three Kafka nodes, five services, three ledger replicas, steady FHIR load)', () => {
  let cluster: KafkaTestCluster;
  const replicas: PrivatePostgres[] = [];
  let platform: PrivatePlatform;
  let alerts: AlertWatch;
  let load: FhirLoad;

  beforeAll(async () => {
    cluster = await KafkaTestCluster.start();
    const kafka = cluster.kafka(`platform-chaos-${run}`);
    await ensureTopics(kafka, allTopics);
    await waitForGroupCoordinator(kafka, topics.keys.name);
    for (const index of [1, 2, 3]) replicas.push(await PrivatePostgres.start(`${name}r${index}`, `ledger_${name}`));
    // The platform's broker is the cluster: removing the platform stops it.
    const broker: PrivateBroker = {
      brokers: cluster.brokers,
      kafka,
      clientEnv: { KAFKA_BROKERS: cluster.brokers.join(','), KAFKA_SECURITY: 'plaintext' },
      kafkaAs: (_principal, clientId) => cluster.kafka(clientId),
      start: async () => undefined,
      stop: async () => undefined,
      remove: () => cluster.stop(),
    };
    platform = await startPrivatePlatform(
      name,
      { LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn' },
      { broker, ledgerServers: replicas.map((replica) => replica.url) },
    );
    alerts = await AlertWatch.start(kafka, `platform-chaos-alerts-${run}`);
    load = new FhirLoad(platform, run);
  });

  afterAll(() =>
    closeAll([
      () => load?.stop(),
      () => alerts?.close(),
      () => platform?.remove(),
      () => cluster?.stop(),
      ...replicas.map((replica) => () => replica.remove()),
    ]),
  );

  async function auditedEnds(): Promise<Map<string, Offsets>> {
    const admin = cluster.kafka(`platform-chaos-ends-${run}`).admin();
    await admin.connect();
    try {
      const ends = new Map<string, Offsets>();
      for (const topic of auditedTopics)
        ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)])));
      return ends;
    } finally {
      await admin.disconnect();
    }
  }

  it('loses nothing acknowledged, doubles nothing, alerts every outage and verifies on every replica', async () => {
    load.start();
    await sleep(STEADY_MS);
    const context: FaultContext = { platform, cluster, replicas, alerts, load, log };
    const marks: Mark[] = [];
    const outcomes: FaultOutcome[] = [];
    let failure: unknown;
    for (const fault of faults) {
      marks.push({ at: Date.now(), ends: await auditedEnds() });
      log(`fault ${fault.name}`);
      try {
        const outcome = await fault.inject(context);
        log(`${outcome.fault}: recovery ${outcome.recoveryMs} ms; alert ${outcome.alertRaised}`);
        outcomes.push(outcome);
      } catch (error) {
        // The counting below still runs: what was acknowledged until here must be there.
        log(`${fault.name} failed: ${String(error)}`);
        outcomes.push({ fault: `${fault.name}: FAILED (${String(error).slice(0, 120)})`, recoveryMs: -1, alertRaised: '-' });
        failure = error;
        break;
      }
      await sleep(STEADY_MS);
    }
    await load.stop();
    log(`load stopped: ${load.submissions.length} submissions, ${load.acknowledged.size} records acknowledged`);

    // Every acknowledged record in the encrypted store and on records.encrypted once.
    const ids = [...load.acknowledged.keys()];
    const encryptionDb = databaseUrl(testEndpoints().stateServer, platform.stateDatabase('encryption'));
    const stored = () =>
      queryRows<{ id: string }>(encryptionDb, 'SELECT record_id AS id FROM encrypted_records WHERE record_id = ANY($1::text[])', [ids]).then(
        (rows) => new Set(rows.map((row) => row.id)),
      );
    const inStore = await eventually(async () => ((await stored()).size === ids.length ? stored() : undefined), {
      timeoutMs: 180_000,
      intervalMs: 2000,
      what: 'every acknowledged record stored',
    }).catch(stored);
    const perRecord = new Map<string, number>();
    for (const { value } of await readTopic(platform.broker.kafka, topics.recordsEncrypted.name, { timeoutMs: 120_000 })) {
      const parsed = parseEvent(value, topics.recordsEncrypted.name);
      if (parsed.ok && parsed.event.type === 'records.encrypted.v1') {
        const { recordId } = (parsed.event as EventOf<'records.encrypted.v1'>).data;
        perRecord.set(recordId, (perRecord.get(recordId) ?? 0) + 1);
      }
    }

    // Every offset of every audited topic once on each replica, and each replica verifies.
    const audited = (await readTopics(platform.broker.kafka, auditedTopics, { timeoutMs: 180_000 })).map((message) => ({
      key: `${message.topic}:${message.partition}:${message.offset}`,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    }));
    const publicKey = await eventually(
      async () => {
        for (const ledger of platform.instances('ledger')) {
          const response = await fetch(`${ledger.baseUrl}/v1/public-key`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
          if (response?.ok) return response.text();
        }
        return undefined;
      },
      { timeoutMs: 60_000, what: "the ledger's public key" },
    );
    const onReplicas: Map<string, number>[] = [];
    const verified: string[] = [];
    for (const url of platform.ledgerReplicaUrls) {
      const offsets = () =>
        queryRows<{ key: string; n: number }>(
          url,
          "SELECT topic || ':' || kafka_partition || ':' || kafka_offset AS key, count(*)::int AS n FROM ledger_events GROUP BY 1",
        );
      // Waits for the replica to hold every audited offset; counts what is missing if it never does.
      const rows = await eventually(
        async () => {
          const found = await offsets();
          const keys = new Set(found.map((row) => row.key));
          return audited.every((message) => keys.has(message.key)) ? found : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 2000, what: 'every audited offset on the replica' },
      ).catch(offsets);
      onReplicas.push(new Map(rows.map((row) => [row.key, row.n])));
      verified.push(await verifyReplica(url, publicKey));
    }
    const verify = verified.every((result) => result === 'valid') ? `valid on ${verified.length}` : verified.join(', ');

    // Each fault's window: from its mark to the next fault's (the first one also holds the steady start).
    const windowOfTime = (at: number) => Math.max(0, marks.filter((mark) => mark.at <= at).length - 1);
    const windowOfOffset = (topic: string, partition: number, offset: bigint) =>
      Math.max(0, marks.filter((mark) => offset >= (mark.ends.get(topic)?.get(partition) ?? 0n)).length - 1);
    const rows: ChaosRow[] = outcomes.map(({ fault, recoveryMs, alertRaised, unmet }) => ({
      fault: unmet ? `${fault} (UNMET: ${unmet})` : fault,
      recoveryMs,
      alertRaised,
      acknowledged: 0,
      lost: 0,
      duplicated: 0,
      verify,
    }));
    const totals = { records: ids.length, lost: 0, duplicated: 0, auditedOffsets: audited.length, ledgerMissing: 0, ledgerDoubled: 0 };
    const tally = (row: ChaosRow, copies: number, missing: 'lost' | 'ledgerMissing', doubled: 'duplicated' | 'ledgerDoubled') => {
      if (copies === 0) row.lost += 1;
      if (copies > 1) row.duplicated += 1;
      if (copies === 0) totals[missing] += 1;
      if (copies > 1) totals[doubled] += 1;
    };
    for (const [id, at] of load.acknowledged) {
      const row = rows[Math.min(windowOfTime(at), rows.length - 1)];
      row.acknowledged += 1;
      tally(row, inStore.has(id) ? (perRecord.get(id) ?? 0) : 0, 'lost', 'duplicated');
    }
    for (const message of audited) {
      const row = rows[Math.min(windowOfOffset(message.topic, message.partition, message.offset), rows.length - 1)];
      for (const onReplica of onReplicas) tally(row, onReplica.get(message.key) ?? 0, 'ledgerMissing', 'ledgerDoubled');
    }
    log(`totals ${JSON.stringify(totals)}; verify ${verify}`);
    recordChaosRows(rows);
    for (const row of rows) log(JSON.stringify(row));

    expect(failure).toBeUndefined();
    expect(totals).toMatchObject({ lost: 0, duplicated: 0, ledgerMissing: 0, ledgerDoubled: 0 });
    expect(verified.every((result) => result === 'valid')).toBe(true);
    expect(ids.length).toBeGreaterThan(100);
    // Every outage alerted within its bound ('-' only where the fault is none: a planned restart that raised nothing).
    const unalerted = outcomes.filter((outcome) => !outcome.alertRaised.startsWith('yes') && outcome.alertRaised !== '- (planned: none raised)');
    expect(unalerted.map((outcome) => `${outcome.fault}: ${outcome.alertRaised}`)).toEqual([]);
    expect(outcomes.flatMap((outcome) => (outcome.unmet ? [`${outcome.fault}: ${outcome.unmet}`] : []))).toEqual([]);
    // The whole list took 28 min for 17 of its 19 faults at load 30 on 2 cores (docs/operations.md): it fails rather than run on.
  }, 3_600_000);
});

async function verifyReplica(url: string, publicKey: string): Promise<string> {
  return promisify(execFile)(process.execPath, [verifyCli, 'replica', '--url', url, '--public-key', publicKey], { timeout: 300_000 }).then(
    () => 'valid',
    (error: { code: number; stdout: string }) => `invalid (exit ${error.code}: ${error.stdout.split('\n')[0]})`,
  );
}
