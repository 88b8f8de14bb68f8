// The governance consumer against the real broker and PostgreSQL: decisions and rejections in, alerts on the
// topic and in the table, and a restart that rebuilds its windows without raising or storing anything twice.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { envelope, topics, type EventOf, type TopicSpec } from '@medshare/contracts';
import { BatchConsumer, createKafka, EventPublisher } from '@medshare/messaging';
import { createLogger, openDatabase, Readiness } from '@medshare/service-kit';
import { databaseUrl, testEndpoints } from '../../../../test/support/endpoints';
import { eventually } from '../../../../test/support/eventually';
import { AlertsRepository, type AlertEvent } from '../alerts/alerts.repository';
import { loadGovernanceConfig } from '../config';
import { ConsumptionStats } from '../consumption/consumption-stats';
import { detectorTopics, GovernanceConsumer } from '../consumption/governance.consumer';
import { parseAlertQuery } from '../http/alert-query';
import { migrations } from '../migrations';

const run = randomUUID().slice(0, 8);
const institution = `gov-${run}`;
const databaseName = `governance_t${randomBytes(6).toString('hex')}`;
const groupId = `governance-int-${run}`;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const pseudonym = () => `p-${Array.from(randomBytes(20), (byte) => BASE32[byte % 32]).join('')}`;

function decision(effect: 'permit' | 'deny', practitioner: string, patient = pseudonym()): EventOf<'access.decision.v1'> {
  return envelope(
    'access.decision.v1',
    'access-control',
    {
      decisionId: randomUUID(),
      requester: { institution, practitioner },
      patient,
      purpose: 'TREAT',
      effect,
      httpStatus: effect === 'permit' ? 200 : 403,
      reasons: [],
      breakGlass: false,
      withheldResourceTypes: [],
      requestedResourceTypes: ['Observation'],
    },
    { subject: patient },
  );
}

const rejection = (codes: string[]) =>
  envelope('ingest.rejected.v1', 'ingestion', { institution, requestId: randomUUID(), status: 422, reasons: codes.map((code) => ({ code })) });

describe('governance consumer against Kafka and PostgreSQL', () => {
  const url = databaseUrl(testEndpoints().stateServer, databaseName);
  const config = loadGovernanceConfig({
    KAFKA_BROKERS: testEndpoints().kafkaBrokers.join(','),
    DATABASE_URL: url,
    KAFKA_GROUP_ID: groupId,
    DENIED_SPIKE_THRESHOLD: '5',
    DENIED_SPIKE_WINDOW_MS: '60000',
    DATA_QUALITY_THRESHOLD: '3',
    ACCESS_VOLUME_MAX_PATIENTS: '4',
  });
  const log = createLogger('governance-int', 'silent');
  let kafka: Kafka;
  let publisher: EventPublisher;
  let dataSource: DataSource;
  let repository: AlertsRepository;
  let governance: GovernanceConsumer | undefined;
  let watcher: BatchConsumer;
  /** Every alert about this run's institution seen on the topic, by a separate group. */
  const onTopic: AlertEvent[] = [];

  const startGovernance = async () => {
    const consumer = new GovernanceConsumer(kafka, config, log, publisher, repository, new ConsumptionStats(), new Readiness());
    await consumer.onApplicationBootstrap();
    return consumer;
  };
  const storedRows = async () =>
    (await dataSource.query(`SELECT kind, source, alert_id, event_id FROM alerts WHERE institution = $1 ORDER BY kind`, [institution])) as { kind: string; source: string; alert_id: string; event_id: string }[];

  beforeAll(async () => {
    kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `governance-int-${run}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    dataSource = await openDatabase({ url, entities: [], migrations });
    repository = new AlertsRepository(dataSource);
    watcher = new BatchConsumer(kafka, publisher, {
      groupId: `governance-int-watch-${run}`,
      topics: [topics.governanceAlerts],
      handle: async (events) => {
        for (const { event } of events) if (event.type === 'governance.alert.v1' && event.data.institution === institution) onTopic.push(event);
      },
    });
    await watcher.start();
    governance = await startGovernance();
  });

  afterAll(async () => {
    await governance?.beforeApplicationShutdown();
    await watcher?.stop();
    await publisher?.disconnect();
    await dataSource?.destroy();
    const admin = new Client({ connectionString: databaseUrl(testEndpoints().stateServer, 'postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  });

  it('raises denied-spike, access-volume and data-quality alerts on the topic and stores them', async () => {
    const denials = Array.from({ length: 8 }, (_, n) => decision('deny', `dr-deny-${n}`));
    const reads = Array.from({ length: 6 }, () => decision('permit', 'dr-curious'));
    await publisher.publish(topics.accessDecisions, [...denials, ...reads]);
    await publisher.publish(topics.ingestRejected, [rejection(['required']), rejection(['required', 'value']), rejection(['structure']), rejection(['required'])]);

    const kinds = ['access-volume', 'data-quality', 'denied-spike'];
    await eventually(() => kinds.every((kind) => onTopic.some((alert) => alert.data.kind === kind)), { what: 'three rule alerts on the topic', timeoutMs: 45_000 });
    const rows = await eventually(async () => {
      const stored = await storedRows();
      return stored.length === 3 ? stored : undefined;
    }, { what: 'three rule alerts stored' });
    expect(rows.map((row) => [row.kind, row.source])).toEqual(kinds.map((kind) => [kind, 'governance']));
    expect(onTopic.filter((alert) => kinds.includes(alert.data.kind))).toHaveLength(3);
    const quality = onTopic.find((alert) => alert.data.kind === 'data-quality')!;
    expect(quality.data.details).toMatchObject({ rejected: 4, topIssueCodes: 'required×3, structure×1, value×1' });
  });

  it("stores other services' alerts as they are", async () => {
    const breakGlass = envelope('governance.alert.v1', 'access-control', { alertId: randomUUID(), kind: 'break-glass', severity: 'critical', summary: 'break-glass read', institution }) as AlertEvent;
    await publisher.publish(topics.governanceAlerts, [breakGlass]);
    const [stored] = await eventually(async () => {
      const found = await repository.find({ kind: 'break-glass', since: new Date(breakGlass.time), limit: 500 });
      const mine = found.filter((alert) => alert.eventId === breakGlass.id);
      return mine.length > 0 ? mine : undefined;
    }, { what: 'the break-glass alert stored' });
    expect(stored).toMatchObject({ alertId: breakGlass.data.alertId, kind: 'break-glass', severity: 'critical', source: 'access-control', institution });
  });

  it.each([
    ['the earliest', '0001-01-01T00:00:00Z'],
    ['the latest', '9999-12-31T23:59:59.999Z'],
  ])('PostgreSQL answers a query at %s instant the alert query accepts', async (_name, since) => {
    await expect(repository.find(parseAlertQuery({ since }))).resolves.toEqual(expect.any(Array));
  });

  it('rebuilds its windows after a restart without republishing or storing an alert twice', async () => {
    const before = await storedRows();
    const alertsBefore = onTopic.length;
    await governance!.beforeApplicationShutdown();
    governance = undefined;

    // The same group restarts: detector topics are rewound and replayed into fresh windows.
    governance = await startGovernance();
    await caughtUp(kafka, groupId, [...detectorTopics, topics.governanceAlerts]);
    // A fresh group replays the whole alerts topic into the same table.
    const replay = new GovernanceConsumer(kafka, { ...config, KAFKA_GROUP_ID: `${groupId}-replay` }, log, publisher, repository, new ConsumptionStats(), new Readiness());
    await replay.onApplicationBootstrap();
    try {
      await caughtUp(kafka, `${groupId}-replay`, [...detectorTopics, topics.governanceAlerts]);
    } finally {
      await replay.beforeApplicationShutdown();
    }

    expect(await storedRows()).toEqual(before);
    expect(onTopic).toHaveLength(alertsBefore);
  }, 150_000);
});

/** Waits until the group has committed up to the end of every partition of these topics. */
async function caughtUp(kafka: Kafka, groupId: string, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, string>();
    for (const spec of specs) for (const { partition, offset } of await admin.fetchTopicOffsets(spec.name)) ends.set(`${spec.name}:${partition}`, offset);
    await eventually(
      async () => {
        const committed = await admin.fetchOffsets({ groupId, topics: specs.map((spec) => spec.name) });
        return committed.every(({ topic, partitions }) => partitions.every(({ partition, offset }) => BigInt(offset) >= BigInt(ends.get(`${topic}:${partition}`) ?? '0'))) || undefined;
      },
      { what: `${groupId} caught up`, timeoutMs: 60_000, intervalMs: 200 },
    );
  } finally {
    await admin.disconnect();
  }
}
