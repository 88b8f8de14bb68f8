// Platform health and data quality against the real broker and PostgreSQL: dead letters written by a real
// BatchConsumer are counted per refused topic and raise `dead-letters` once above the limit (not below it); ingestion's
// submission facts give timeliness and dangling references per institution and local day; a feed whose hour falls
// against its own baseline raises `volume-drop` (a steady one does not); the live feed's changed cases; the
// institution report's case outcomes and break-glass reviews.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { deadLetterTopic, envelope, topics, type EventOf, type TopicSpec } from '@medshare/contracts';
import { ConsumerHost, createKafka, EventPublisher } from '@medshare/messaging';
import { createLogger, openDatabase } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../../../../test/support/endpoints';
import { eventually } from '../../../../test/support/eventually';
import { startGroupAtEnd } from '../../../../test/support/topic-reader';
import { AlertRaiser } from '../alerts/alert-raiser';
import { AlertsRepository } from '../alerts/alerts.repository';
import { CasesRepository } from '../cases/cases.repository';
import { CaseNotes, DEV_CASE_NOTES_KEY } from '../cases/case-notes';
import { CasesService } from '../cases/cases.service';
import { caseLimitsOf, loadGovernanceConfig, type GovernanceConfig } from '../config';
import type { GovernanceConsumer } from '../consumption/governance.consumer';
import { DeadLetterMonitor } from '../health/dead-letter-monitor';
import { DeadLettersRepository } from '../health/dead-letters.repository';
import { migrations } from '../migrations';
import { OutboxRepository } from '../outbox/outbox.repository';
import { QualityMonitor, qualityTopics } from '../quality/quality-monitor';
import { QualityRepository } from '../quality/quality.repository';
import { hourOf, HOUR_MS } from '../quality/volume-drop';
import { VolumeMonitor } from '../quality/volume-monitor';

const run = randomUUID().slice(0, 8);
const log = createLogger('platform-quality-int', (process.env.GOV_LOG ?? 'silent') as 'silent');
const DAY_MS = 24 * HOUR_MS;
/** Two made-up topics a real BatchConsumer refuses messages from. */
const noisy: TopicSpec = { ...topics.ingestRejected, name: `medshare-test-dl-noisy-${run}`, partitions: 1 };
const quiet: TopicSpec = { ...topics.ingestRejected, name: `medshare-test-dl-quiet-${run}`, partitions: 1 };
const berlin = `gq-berlin-${run}`;
const steady = `gq-steady-${run}`;
const dropped = `gq-dropped-${run}`;

function submission(institution: string, time: Date, facts: Partial<EventOf<'audit.submission.v1'>['data']> = {}): EventOf<'audit.submission.v1'> {
  return envelope(
    'audit.submission.v1',
    institution,
    { submissionId: randomUUID(), institution, status: 202, accepted: 1, refused: 0, issues: [], ...facts },
    { time },
  );
}

describe('platform health and data quality (real Kafka and PostgreSQL)', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;
  let host: ConsumerHost;
  let dataSource: DataSource;
  let config: GovernanceConfig;
  let outbox: OutboxRepository;
  let alerts: AlertsRepository;
  let raiser: AlertRaiser;
  let quality: QualityRepository;
  const databaseName = `governance_pq_${run}`;
  const groupId = `governance-pq-${run}`;
  const caughtUp = { stateCaughtUp: Promise.resolve() } as GovernanceConsumer;

  const raised = (kind: string): Promise<{ details: Record<string, unknown>; institution: string | null }[]> =>
    dataSource.query(`SELECT event->'data'->'details' AS details, event->'data'->>'institution' AS institution FROM outbox WHERE event->'data'->>'kind' = $1`, [
      kind,
    ]);

  beforeAll(async () => {
    const { kafkaBrokers, stateServer } = testEndpoints();
    kafka = createKafka({ brokers: kafkaBrokers, clientId: `platform-quality-${run}` });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [noisy, quiet].map(({ name }) => ({ topic: name, numPartitions: 1 })), waitForLeaders: true });
    await admin.disconnect();
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    host = new ConsumerHost(kafka, publisher, log);
    config = loadGovernanceConfig({
      KAFKA_BROKERS: kafkaBrokers.join(','),
      DATABASE_URL: databaseUrl(stateServer, databaseName),
      KAFKA_GROUP_ID: groupId,
      DEAD_LETTER_THRESHOLD: '2',
      DEAD_LETTER_WINDOW_MS: String(DAY_MS),
      VOLUME_MIN_SUBMISSIONS: '3',
      VOLUME_BASELINE_DAYS: '5',
      VOLUME_CHECK_MS: String(HOUR_MS),
      INSTITUTION_WORKING_HOURS: JSON.stringify({ [berlin]: { timeZone: 'Europe/Berlin', start: 7, end: 19, days: [1, 2, 3, 4, 5] } }),
    });
    dataSource = await openDatabase({ url: config.DATABASE_URL, entities: [], migrations });
    outbox = new OutboxRepository(dataSource);
    alerts = new AlertsRepository(dataSource);
    quality = new QualityRepository(dataSource);
    // The shared broker holds the day's history of every run: these groups read only what this run publishes.
    await startGroupAtEnd(kafka, `${groupId}-dead-letters`, [deadLetterTopic.name]);
    await startGroupAtEnd(
      kafka,
      `${groupId}-quality`,
      qualityTopics.map(({ name }) => name),
    );
    raiser = new AlertRaiser(alerts, outbox, publisher, log);
    await new DeadLetterMonitor(config, dataSource, host, new DeadLettersRepository(dataSource), raiser, caughtUp).start();
    await new QualityMonitor(config, dataSource, host, quality, raiser, caughtUp).start();
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
    await publisher?.disconnect();
    await dataSource?.destroy();
    await dropDatabase(testEndpoints().stateServer, databaseName);
  });

  it('counts dead letters per refused topic and raises dead-letters once above the limit, not at it', async () => {
    // A real consumer refuses what is not an event of its topic: 3 dead letters from one topic, 2 from the other.
    await host.consume('refusing', { groupId: `refusing-${run}`, topics: [noisy, quiet], handle: async () => undefined });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: noisy.name, messages: ['a', 'b', 'c'].map((value) => ({ value })) });
    await producer.send({ topic: quiet.name, messages: ['d', 'e'].map((value) => ({ value })) });
    await producer.disconnect();

    const counts = () => new DeadLettersRepository(dataSource).perTopic(new Date());
    await eventually(
      async () => {
        const mine = (await counts()).filter(({ topic }) => topic === noisy.name || topic === quiet.name);
        return mine.length === 2 && mine.every(({ total }) => total >= 2) ? mine : undefined;
      },
      { what: 'both topics counted', timeoutMs: 60_000 },
    );
    const mine = (await counts()).filter(({ topic }) => topic === noisy.name || topic === quiet.name);
    expect(mine.map(({ topic, total, lastDay }) => ({ topic, total, lastDay }))).toEqual([
      { topic: noisy.name, total: 3, lastDay: 3 },
      { topic: quiet.name, total: 2, lastDay: 2 },
    ]);
    const deadLetterAlerts = (await raised('dead-letters')).filter(({ details }) => details['topic'] === noisy.name || details['topic'] === quiet.name);
    expect(deadLetterAlerts).toEqual([{ institution: null, details: expect.objectContaining({ topic: noisy.name, count: 3, threshold: 2 }) }]);
  }, 120_000);

  it('adds timeliness and dangling references per institution and local day; judges a fallen hour against the baseline', async () => {
    const now = Date.now();
    // 23:30 UTC is the next day in Berlin.
    const lateEvening = new Date(Date.UTC(2026, 10, 2, 23, 30));
    await publisher.publish(topics.auditSubmissions, [
      submission(berlin, lateEvening, { timeliness: { resources: 2, sumSeconds: 600, maxSeconds: 500 }, danglingReferences: 1 }),
      submission(berlin, lateEvening, { timeliness: { resources: 1, sumSeconds: 900, maxSeconds: 900 }, danglingReferences: 2 }),
      submission(berlin, lateEvening),
    ]);
    // The hour judged: the last one a grace period ago. Both feeds sent 4 an hour on the baseline days; today one sent 4, the other 0.
    const judged = hourOf(now - config.VOLUME_GRACE_MS) - HOUR_MS;
    const baseline = Array.from({ length: config.VOLUME_BASELINE_DAYS }, (_, day) => judged - (day + 1) * DAY_MS + 60_000);
    await publisher.publish(
      topics.auditSubmissions,
      [steady, dropped].flatMap((institution) => baseline.flatMap((at) => Array.from({ length: 4 }, () => submission(institution, new Date(at))))),
    );
    await publisher.publish(
      topics.auditSubmissions,
      Array.from({ length: 4 }, () => submission(steady, new Date(judged + 60_000))),
    );

    const day = await eventually(
      async () => {
        const [found] = await quality.daily(berlin, '2026-11-03', '2026-11-03');
        return found?.danglingReferences === 3 ? found : undefined;
      },
      { what: 'the Berlin day counted', timeoutMs: 60_000 },
    );
    expect(day).toMatchObject({
      institution: berlin,
      day: '2026-11-03',
      timeliness: { resources: 3, meanSeconds: 500, maxSeconds: 900 },
      danglingReferences: 3,
    });
    expect(await quality.daily(berlin, '2026-11-02', '2026-11-02')).toEqual([]);

    const volume = new VolumeMonitor(kafka, config, log, quality, raiser);
    // Judged only once the quality group has counted the submissions topic to its end.
    await eventually(
      async () => {
        await volume.check(now);
        return (await raised('volume-drop')).some(({ institution }) => institution === dropped);
      },
      { what: 'the dropped feed judged', timeoutMs: 60_000, intervalMs: 1000 },
    );
    const mine = (await raised('volume-drop')).filter(({ institution }) => institution === steady || institution === dropped);
    expect(mine).toEqual([
      { institution: dropped, details: expect.objectContaining({ submissions: 0, baselineMedian: 4, hour: new Date(judged).toISOString() }) },
    ]);
    // Judged again (another instance, or the next tick): nothing new.
    expect(await volume.check(now)).toEqual([]);
  }, 120_000);

  it("follows changed cases for the live feed, and reports an institution's cases and break-glass reviews", async () => {
    const institution = `gq-cases-${run}`;
    const cases = new CasesRepository(dataSource, caseLimitsOf(config));
    const service = new CasesService(dataSource, cases, alerts, outbox, publisher, new CaseNotes(DEV_CASE_NOTES_KEY), log);
    const before = new Date();
    const breakGlass = (decisionId: string, practitioner: string) =>
      envelope('governance.alert.v1', 'access-control', {
        alertId: `bg-${decisionId}`,
        kind: 'break-glass',
        severity: 'critical',
        summary: 'break-glass (ETREAT) permitted',
        institution,
        details: { decisionId, practitioner, effect: 'permit', reasonGiven: true },
      });
    const events = [breakGlass(`d1-${run}`, `pr-a-${run}`), breakGlass(`d2-${run}`, `pr-b-${run}`)];
    await alerts.store(events);
    await cases.applyAlerts(
      events.map(({ data, time }) => ({ ...data, institution: data.institution ?? null, details: data.details ?? null, raisedAt: time })),
    );
    const scope = { institution };
    const { cases: opened, last } = await service.changedAfter(scope, before.toISOString());
    expect(opened.map(({ state, kinds }) => ({ state, kinds }))).toEqual([
      { state: 'open', kinds: ['break-glass'] },
      { state: 'open', kinds: ['break-glass'] },
    ]);
    expect((await service.changedAfter({ institution: `gq-other-${run}` }, before.toISOString())).cases).toEqual([]);

    const reviewed = opened[0].caseId;
    await service.transition({ institution }, reviewed, { to: 'closed-justified', actor: 'officer-a' });
    const { cases: changed } = await service.changedAfter(scope, last);
    expect(changed.map(({ caseId, state }) => ({ caseId, state }))).toEqual([{ caseId: reviewed, state: 'closed-justified' }]);

    const period = { from: new Date(before.getTime() - DAY_MS), to: new Date(Date.now() + 60_000) };
    expect(await cases.openedAndClosed(institution, period)).toEqual({ opened: 2, closed: [{ outcome: 'closed-justified', count: 1 }] });
    expect(await cases.openedAndClosed(institution, { from: period.to, to: new Date(period.to.getTime() + DAY_MS) })).toEqual({ opened: 0, closed: [] });
    const reviews = await cases.breakGlassReviews([`d1-${run}`, `d2-${run}`, `d3-${run}`]);
    expect(new Set([...reviews.values()].map(({ state }) => state))).toEqual(new Set(['closed-justified', 'open']));
    expect(reviews.has(`d3-${run}`)).toBe(false);
  }, 60_000);
});
