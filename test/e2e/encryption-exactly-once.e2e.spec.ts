// Issue 9 §9: encryption killed with -9 again and again while it drains a backlog of ingest.sealed still writes
// every acknowledged record exactly once: one records.encrypted event per record on the topic (read_committed,
// as every medshare consumer reads), in the store and on the ledger. Its consume → publish → commit is one Kafka
// transaction; before, a kill between publishing and committing published the batch again.
// Issue 14: the backlog holds every sealed event twice, as a client's retry under its Idempotency-Key republishes
// it (same event id, a later message) after a 503 during a broker fault; before, each copy was encrypted again.
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { topics } from '@medshare/contracts';
import { generatePopulation, patientBundle } from '@medshare/synthetic';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { postFhir, startIngestionStack, type IngestionStack } from '../support/ingestion-stack';
import { freePorts } from '../support/ports';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker';
import { startService, type RunningService } from '../support/service-processes';
import { readTopic, topicEnds } from '../support/topic-reader';

const run = randomBytes(4).toString('hex');
/** Kills at most; the rounds end early once the backlog is drained (each round takes whole partitions' batches). */
const KILLS = 6;
const { stateServer, ledgerServers } = testEndpoints();
const ledgerDatabase = `ledger_eo${run}`;
const ledgerState = `ledger_state_eo${run}`;

describe('encryption killed while it drains a backlog', () => {
  let broker: PrivateBroker;
  let kafka: Kafka;
  let stack: IngestionStack;
  let ledger: RunningService;
  const acknowledged: string[] = [];

  const restartEncryption = async () => {
    stack.encryption = await startService('encryption', {
      port: stack.encryption.port,
      logDir: stack.encryption.logFile.replace(/\/[^/]+$/, ''),
      instance: stack.source,
      env: { KAFKA_BROKERS: broker.brokers.join(','), DATABASE_URL: stack.databaseUrls.encryption, KAFKA_GROUP_ID: stack.source, SERVICE_SOURCE: stack.source },
    });
  };

  beforeAll(async () => {
    broker = await startPrivateBroker(`exactly-once-${run}`);
    kafka = broker.kafka;
    stack = await startIngestionStack(`eo${run}`, broker.brokers);
    const [ledgerPort] = await freePorts(4900, 5000, 1);
    ledger = await startService('ledger', {
      port: ledgerPort,
      instance: `ledger-eo${run}`,
      env: {
        KAFKA_BROKERS: broker.brokers.join(','),
        KAFKA_GROUP_ID: `ledger-eo${run}`,
        DATABASE_URL: databaseUrl(stateServer, ledgerState),
        LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, ledgerDatabase)).join(','),
        BLOCK_MAX_AGE_MS: '200',
      },
    });
  });

  afterAll(() =>
    closeAll([
      () => ledger?.stop(),
      () => stack?.remove(),
      () => broker?.remove(),
      () => dropDatabase(stateServer, ledgerState),
      ...ledgerServers.map((server) => () => dropDatabase(server, ledgerDatabase)),
    ]),
  );

  it('writes one records.encrypted event per acknowledged record, on the topic, in the store and on the ledger, though every sealed event came twice', async () => {
    // The backlog: encryption is stopped while ingestion acknowledges the bundles.
    await stack.encryption.stop();
    const population = generatePopulation({ seed: `exactly-once-${run}`, patientsPerInstitution: 180, institutions: [{ id: 'hosp-a', name: 'A' }] });
    for (let index = 0; index < population.patients.length; index += 6) {
      const answers = await Promise.all(
        population.patients.slice(index, index + 6).map((patient) => postFhir(stack.ingestion.baseUrl, patientBundle(patient, { type: 'batch' }))),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(202);
        acknowledged.push(...(answer.body.records as { recordId: string }[]).map((record) => record.recordId));
      }
    }

    // The retries' copies: every sealed message once more, on its own partition, behind the originals.
    const copies = await readTopic(kafka, topics.ingestSealed.name);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          { topic: topics.ingestSealed.name, messages: copies.map(({ partition, key, value, headers }) => ({ partition, key, value, headers })) },
        ],
      });
    } finally {
      await producer.disconnect();
    }

    // Each round: start encryption, and kill -9 it as soon as its output reaches the topic (mid-drain).
    const sealedEnds = await topicEnds(kafka, topics.ingestSealed.name);
    const admin = kafka.admin();
    await admin.connect();
    const drained = async () => {
      const [committed] = await admin.fetchOffsets({ groupId: `${stack.source}-sealed`, topics: [topics.ingestSealed.name] });
      return [...sealedEnds].every(([partition, end]) => BigInt(committed.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1') >= end);
    };
    let kills = 0;
    try {
      while (kills < KILLS && !(await drained())) {
        const before = sum(await topicEnds(kafka, topics.recordsEncrypted.name));
        await restartEncryption();
        await eventually(async () => sum(await topicEnds(kafka, topics.recordsEncrypted.name)) > before || (await drained()) || undefined, {
          timeoutMs: 30_000,
          intervalMs: 20,
          what: 'encryption output growing',
        });
        await stack.encryption.stop('SIGKILL');
        kills += 1;
      }
      await restartEncryption();
      await eventually(() => drained().then((done) => done || undefined), { timeoutMs: 60_000, what: 'the sealed backlog drained' });
    } finally {
      await admin.disconnect();
    }
    expect(kills).toBeGreaterThanOrEqual(2);

    const encrypted = (await readTopic(kafka, topics.recordsEncrypted.name)).map(
      (message) => JSON.parse(message.value?.toString() ?? '{}') as { id: string; data: { recordId: string } },
    );
    const onTopic = encrypted.map((event) => event.data.recordId);
    expect(countOf(onTopic, acknowledged)).toEqual({ missing: 0, doubled: 0, unknown: 0 });

    // The store holds the one event of each record (it keeps a record's first event, so a second would not show here).
    const store = new Client({ connectionString: stack.databaseUrls.encryption });
    await store.connect();
    try {
      const stored = await eventually(
        async () => {
          const { rows } = await store.query<{ event_id: string }>('SELECT event_id FROM encrypted_records WHERE record_id = ANY($1::text[])', [acknowledged]);
          return rows.length === acknowledged.length ? rows.map((row) => row.event_id) : undefined;
        },
        { timeoutMs: 60_000, what: 'every record in the store' },
      );
      expect(new Set(stored)).toEqual(new Set(encrypted.map((event) => event.id)));
    } finally {
      await store.end();
    }

    const replica = new Client({ connectionString: databaseUrl(ledgerServers[0], ledgerDatabase) });
    await replica.connect();
    try {
      const onLedger = await eventually(
        async () => {
          const { rows } = await replica.query<{ canonical: Buffer }>(`SELECT canonical FROM ledger_events WHERE event_type = 'records.encrypted.v1'`);
          return rows.length >= acknowledged.length
            ? rows.map((row) => (JSON.parse(row.canonical.toString()) as { data: { recordId: string } }).data.recordId)
            : undefined;
        },
        { timeoutMs: 60_000, what: 'every record on the ledger' },
      );
      expect(countOf(onLedger, acknowledged)).toEqual({ missing: 0, doubled: 0, unknown: 0 });
    } finally {
      await replica.end();
    }
  });
});

function sum(offsets: Map<number, bigint>): bigint {
  return [...offsets.values()].reduce((total, offset) => total + offset, 0n);
}

function countOf(recordIds: readonly string[], acknowledged: readonly string[]) {
  const seen = new Map<string, number>();
  for (const id of recordIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  const expected = new Set(acknowledged);
  return {
    missing: acknowledged.filter((id) => !seen.has(id)).length,
    doubled: [...seen.values()].filter((count) => count > 1).length,
    unknown: [...seen.keys()].filter((id) => !expected.has(id)).length,
  };
}
