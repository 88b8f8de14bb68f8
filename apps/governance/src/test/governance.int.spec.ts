// The governance consumer against the real broker and PostgreSQL: decisions and the state they are judged against
// in, privacy alerts through the outbox, cases out; case handling as events; the same cases from two instances as
// from one, and from a rebuild into an empty database; a restart that raises nothing twice.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { envelope, topics, type EventOf, type TopicSpec } from '@medshare/contracts';
import { BatchConsumer, ConsumerHost, createKafka, EventPublisher } from '@medshare/messaging';
import { createLogger, openDatabase } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../../../../test/support/endpoints';
import { eventually } from '../../../../test/support/eventually';
import { AlertRaiser } from '../alerts/alert-raiser';
import { AlertsRepository, type AlertEvent } from '../alerts/alerts.repository';
import { CaseNotes, DEV_CASE_NOTES_KEY } from '../cases/case-notes';
import { CasesRepository } from '../cases/cases.repository';
import { CasesService } from '../cases/cases.service';
import { caseLimitsOf, loadGovernanceConfig, privacyLimitsOf, type GovernanceConfig } from '../config';
import { ConsumptionStats } from '../consumption/consumption-stats';
import { waitUntilCaughtUp } from '../consumption/catch-up';
import { GovernanceConsumer, stateTopics } from '../consumption/governance.consumer';
import { migrations } from '../migrations';
import { OutboxRepository } from '../outbox/outbox.repository';
import { PrivacyMonitor } from '../privacy/privacy-monitor';
import { PrivacyStateRepository } from '../privacy/privacy-state.repository';
import { QualityMonitor, qualityTopics } from '../quality/quality-monitor';
import { QualityRepository } from '../quality/quality.repository';
import { WebhooksRepository } from '../webhooks/webhooks.repository';

const run = randomUUID().slice(0, 8);
const institution = `gov-${run}`;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const base32 = (length: number) => Array.from(randomBytes(length), (byte) => BASE32[byte % 32]).join('');
const pseudonym = () => `p-${base32(32)}`;
const practitionerName = () => `pr-${base32(32)}`;
const token = () => `tk-${base32(32)}`;
const log = createLogger('governance-int', (process.env.GOV_LOG ?? 'silent') as 'silent');
const HOUR = 3_600_000;

function decision(practitioner: string, patient: string, effect: 'permit' | 'deny' = 'permit', purpose = 'HOPERAT'): EventOf<'access.decision.v1'> {
  return envelope(
    'access.decision.v1',
    'access-control',
    {
      decisionId: randomUUID(),
      requester: { institution, practitioner, role: 'nurse' },
      patient,
      purpose,
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

const rejection = (codes: string[], time = new Date()) =>
  envelope(
    'ingest.rejected.v1',
    'ingestion',
    { institution, requestId: randomUUID(), status: 422, reasons: codes.map((code) => ({ code, expression: ['Observation.value[x]'] })) },
    { time },
  );

/** An accepted record as the encryption service announces it (content hash only; the ciphertext is not read here). */
function encrypted(time: Date, contentHash = randomBytes(32).toString('hex')): EventOf<'records.encrypted.v1'> {
  const patient = pseudonym();
  return envelope(
    'records.encrypted.v1',
    'encryption',
    {
      recordId: randomUUID(),
      institution,
      patient,
      resourceType: 'Observation',
      eventTime: time.toISOString(),
      contentHash,
      dekId: 'dek-1',
      iv: 'AAAAAAAAAAAAAAAA',
      ciphertext: 'AAAA',
      tag: 'AAAAAAAAAAAAAAAAAAAAAA==',
    },
    { subject: patient, time },
  );
}

/** One governance deployment: its own database, its own consumer group, one or more instances. */
class Deployment {
  readonly config: GovernanceConfig;
  readonly databaseName = `governance_t${randomBytes(6).toString('hex')}`;
  dataSource!: DataSource;
  /** One consumer host per running instance: stopping it stops the instance's consumers, as at its shutdown. */
  instances: ConsumerHost[] = [];
  cases!: CasesService;

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    readonly groupId: string,
  ) {
    this.config = loadGovernanceConfig({
      KAFKA_BROKERS: testEndpoints().kafkaBrokers.join(','),
      DATABASE_URL: databaseUrl(testEndpoints().stateServer, this.databaseName),
      KAFKA_GROUP_ID: groupId,
      DENIED_SPIKE_THRESHOLD: '50',
      DATA_QUALITY_THRESHOLD: '3',
      ACCESS_VOLUME_MAX_PATIENTS: '4',
      PRACTITIONER_DENIALS_THRESHOLD: '3',
      // Day-long windows: a run that straddles an hour boundary counts into one window all the same.
      ACCESS_VOLUME_WINDOW_MS: String(24 * HOUR),
      PRACTITIONER_DENIALS_WINDOW_MS: String(24 * HOUR),
      // The shared broker carries other runs' decisions: replay only what this run can have published.
      DECISIONS_REPLAY_MS: String(5 * 60_000),
      // Working hours all week long: the test runs at any hour.
      INSTITUTION_WORKING_HOURS: JSON.stringify({ [institution]: { timeZone: 'UTC', start: 0, end: 24, days: [1, 2, 3, 4, 5, 6, 7] } }),
    });
  }

  async open(): Promise<void> {
    this.dataSource = await openDatabase({ url: this.config.DATABASE_URL, entities: [], migrations });
    const alerts = new AlertsRepository(this.dataSource);
    this.cases = new CasesService(
      this.dataSource,
      new CasesRepository(this.dataSource, caseLimitsOf(this.config)),
      alerts,
      new OutboxRepository(this.dataSource),
      this.publisher,
      new CaseNotes(DEV_CASE_NOTES_KEY),
      log,
    );
  }

  async start(): Promise<GovernanceConsumer> {
    const host = new ConsumerHost(this.kafka, this.publisher);
    const alerts = new AlertsRepository(this.dataSource);
    const raiser = new AlertRaiser(alerts, new OutboxRepository(this.dataSource), this.publisher, log);
    const consumer = new GovernanceConsumer(
      this.kafka,
      this.config,
      log,
      alerts,
      new ConsumptionStats(),
      host,
      new PrivacyMonitor(new PrivacyStateRepository(this.dataSource), privacyLimitsOf(this.config)),
      raiser,
      new CasesRepository(this.dataSource, caseLimitsOf(this.config)),
      new WebhooksRepository(this.dataSource),
    );
    const quality = new QualityMonitor(this.config, this.dataSource, host, new QualityRepository(this.dataSource), raiser, consumer);
    this.instances.push(host);
    await Promise.all([consumer.start(), quality.start()]);
    return consumer;
  }

  async stop(): Promise<void> {
    for (const instance of this.instances.splice(0)) await instance.stop();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.dataSource?.destroy();
    await dropDatabase(testEndpoints().stateServer, this.databaseName);
  }

  /** This run's cases as comparable rows (no storage times). */
  async caseRows(): Promise<unknown[]> {
    return this.dataSource.query(
      `SELECT case_id, practitioner, patient, kinds, severity, risk_score, state, assignee, alert_count, due_at, escalated_at IS NOT NULL AS escalated
       FROM cases WHERE institution = $1 ORDER BY case_id`,
      [institution],
    );
  }

  /** Alert ids this deployment's own rules decided to raise for this run. */
  async raisedAlertIds(): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(`SELECT id FROM outbox WHERE topic = $1 AND event->'data'->>'institution' = $2 ORDER BY id`, [
      topics.governanceAlerts.name,
      institution,
    ]);
    return rows.map((row) => row.id);
  }

  /** This run's data-quality days and issue counts as comparable rows. */
  async qualityRows(): Promise<unknown[]> {
    return this.dataSource.query(
      `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, accepted, refused_submissions, refused_resources, duplicates,
         (SELECT json_agg(json_build_array(code, path, count) ORDER BY code, path) FROM quality_issues i WHERE i.institution = d.institution AND i.day = d.day) AS issues
       FROM quality_days d WHERE institution = $1 ORDER BY day`,
      [institution],
    );
  }

  /** Kinds of the alerts about this run's institution this deployment's own rules raised, of one of `kinds`. */
  async raisedKinds(kinds: readonly string[]): Promise<string[]> {
    const rows: { kind: string }[] = await this.dataSource.query(
      `SELECT event->'data'->>'kind' AS kind FROM outbox WHERE event->'data'->>'institution' = $1 AND event->'data'->>'kind' = ANY($2) ORDER BY 1`,
      [institution, kinds],
    );
    return rows.map((row) => row.kind);
  }

  /** Kinds of the alerts about one practitioner this deployment's own rules raised. */
  async raisedKindsAbout(practitioner: string): Promise<string[]> {
    const rows: { kind: string }[] = await this.dataSource.query(
      `SELECT event->'data'->>'kind' AS kind FROM outbox WHERE event->'data'->'details'->>'practitioner' = $1 ORDER BY 1`,
      [practitioner],
    );
    return rows.map((row) => row.kind);
  }

  async caughtUp(): Promise<void> {
    await caughtUp(this.kafka, this.groupId, [topics.accessDecisions]);
    await caughtUp(this.kafka, `${this.groupId}-quality`, qualityTopics);
    await caughtUp(this.kafka, `${this.groupId}-state`, stateTopics);
  }
}

describe('governance against Kafka and PostgreSQL', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;
  let watcher: BatchConsumer;
  let one: Deployment;
  /** Every alert about this run's institution seen on the topic, by a separate group. */
  const onTopic: AlertEvent[] = [];
  const nurse = practitionerName();
  const nurseOwnRecord = pseudonym();
  const nurseSibling = pseudonym();
  const household = { familyName: [token()], address: [token()] };

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `governance-int-${run}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    watcher = new BatchConsumer(kafka, publisher, {
      groupId: `governance-int-watch-${run}`,
      topics: [topics.governanceAlerts],
      handle: async (events) => {
        for (const { event } of events) if (event.type === 'governance.alert.v1' && event.data.institution === institution) onTopic.push(event);
      },
    });
    await watcher.start();
    one = new Deployment(kafka, publisher, `governance-int-${run}`);
    await one.open();
    await one.start();
  }, 180_000);

  afterAll(async () => {
    await one?.close();
    await watcher?.stop();
    await publisher?.disconnect();
  });

  it('raises privacy alerts from keyed tokens, counters and rejections, and groups them into cases', async () => {
    await publisher.publish(topics.identity, [
      envelope('identity.practitioner-tokens.v1', institution, { institution, practitioner: nurse, ...household, patient: nurseOwnRecord }),
      envelope('identity.patient-tokens.v1', institution, {
        institution,
        patient: nurseSibling,
        familyName: household.familyName,
        address: [token()],
        securityLabels: [],
      }),
    ]);
    await eventually(
      async () => ((await one.dataSource.query(`SELECT 1 FROM practitioner_tokens WHERE practitioner = $1`, [nurse])) as unknown[]).length > 0 || undefined,
      { what: 'roster stored', timeoutMs: 45_000 },
    );
    const browser = practitionerName();
    const deniedPatient = pseudonym();
    await publisher.publish(topics.accessDecisions, [
      decision(nurse, nurseOwnRecord),
      decision(nurse, nurseSibling),
      ...Array.from({ length: 5 }, () => decision(browser, pseudonym())),
      // Four denials for one patient: repeated denials, but not a fourth distinct patient.
      ...Array.from({ length: 4 }, () => decision(nurse, deniedPatient, 'deny')),
    ]);
    await publisher.publish(topics.ingestRejected, [
      rejection(['required']),
      rejection(['required', 'value']),
      rejection(['structure']),
      rejection(['required']),
    ]);

    const kinds = ['access-volume', 'data-quality', 'household-access', 'practitioner-denials', 'self-access'];
    await eventually(() => kinds.every((kind) => onTopic.some((alert) => alert.data.kind === kind)) || undefined, {
      what: 'the alerts on the topic',
      timeoutMs: 45_000,
    });
    expect(onTopic.map((alert) => alert.data.kind).sort()).toEqual(kinds);
    const self = onTopic.find((alert) => alert.data.kind === 'self-access')!;
    expect(self.data).toMatchObject({ severity: 'critical', details: { practitioner: nurse, patient: nurseOwnRecord } });

    const cases = await eventually(
      async () => {
        const rows = (await one.caseRows()) as { practitioner: string; patient: string | null; kinds: string[] }[];
        return rows.length === 4 ? rows : undefined;
      },
      { what: 'four cases' },
    );
    expect(
      cases
        .map((row) => [
          row.practitioner === nurse ? 'nurse' : 'browser',
          row.patient === null ? '-' : row.patient === nurseOwnRecord ? 'own' : 'sibling',
          row.kinds,
        ])
        .sort(),
    ).toEqual(
      [
        ['browser', '-', ['access-volume']],
        ['nurse', '-', ['practitioner-denials']],
        ['nurse', 'own', ['self-access']],
        ['nurse', 'sibling', ['household-access']],
      ].sort(),
    );
  });

  it('handles a break-glass review: acknowledged cases stop escalating, overdue ones escalate once, notes stay sealed', async () => {
    const breakGlass = (patient: string, hoursAgo: number) =>
      envelope(
        'governance.alert.v1',
        'access-control',
        {
          alertId: randomUUID(),
          kind: 'break-glass',
          severity: 'critical',
          summary: 'break-glass read',
          institution,
          details: { practitioner: nurse, patient },
        },
        { time: new Date(Date.now() - hoursAgo * HOUR) },
      );
    const reviewed = pseudonym();
    const forgotten = pseudonym();
    await publisher.publish(topics.governanceAlerts, [breakGlass(reviewed, 30), breakGlass(forgotten, 30)]);
    const queue = await eventually(
      async () => {
        const found = await one.cases.find({ institution }, { kind: 'break-glass', limit: 10 });
        return found.length === 2 ? found : undefined;
      },
      { what: 'two break-glass reviews queued' },
    );
    expect(queue.every((item) => item.severity === 'info' && item.state === 'open')).toBe(true);
    const reviewedCase = queue.find((item) => item.patient === reviewed)!;
    const forgottenCase = queue.find((item) => item.patient === forgotten)!;

    await one.cases.transition({ institution }, reviewedCase.caseId, { to: 'acknowledged', actor: 'officer-1' });
    const secret = `canary-note-${run}`;
    await one.cases.addNote({ institution }, reviewedCase.caseId, { text: `patient called ${secret}`, actor: 'officer-1' });
    // The shared broker may hold other runs' overdue reviews too: this run's are checked one by one below.
    expect(await one.cases.escalateOverdue()).toBeGreaterThanOrEqual(1);
    expect(await one.cases.escalateOverdue()).toBe(0);

    expect(await one.cases.get({ institution }, forgottenCase.caseId)).toMatchObject({ escalated: true, severity: 'critical', state: 'open' });
    expect(await one.cases.get({ institution }, reviewedCase.caseId)).toMatchObject({ escalated: false, state: 'acknowledged' });
    await expect(one.cases.transition({ institution }, reviewedCase.caseId, { to: 'open', actor: 'officer-1' })).rejects.toMatchObject({
      code: 'invalid-transition',
    });
    await expect(one.cases.get({ institution: 'hosp-elsewhere' }, reviewedCase.caseId)).resolves.toBeUndefined();
    expect(await one.cases.readNotes({ institution }, reviewedCase.caseId)).toEqual([
      expect.objectContaining({ text: `patient called ${secret}`, actor: 'officer-1' }),
    ]);
    await expect(one.cases.readNotes({ institution: 'hosp-elsewhere' }, reviewedCase.caseId)).rejects.toMatchObject({ code: 'not-found' });
    const leaks: unknown[] = await one.dataSource.query(
      `SELECT 1 FROM case_events WHERE note::text LIKE $1 UNION ALL SELECT 1 FROM outbox WHERE event::text LIKE $1`,
      [`%${secret}%`],
    );
    expect(leaks).toEqual([]);

    // The handling steps are on the audited topic, in order, and the projection has applied each once.
    const steps = await eventually(
      async () => {
        const rows: { action: string }[] = await one.dataSource.query(
          `SELECT action FROM case_events WHERE case_id = ANY($1) AND action <> 'alert' ORDER BY at, event_id`,
          [[reviewedCase.caseId, forgottenCase.caseId]],
        );
        const unpublished: unknown[] = await one.dataSource.query(`SELECT 1 FROM outbox WHERE published_at IS NULL`);
        return rows.length === 3 && unpublished.length === 0 ? rows : undefined;
      },
      { what: 'case events published' },
    );
    expect(steps.map((row) => row.action).sort()).toEqual(['escalated', 'note-added', 'state-changed']);
  });

  it('gives the same alerts and cases with two instances as with one, and from a rebuild into an empty database', async () => {
    await one.caughtUp();
    await one.stop();
    const two = new Deployment(kafka, publisher, `governance-int-two-${run}`);
    const rebuilt = new Deployment(kafka, publisher, `governance-int-rebuilt-${run}`);
    try {
      await two.open();
      await two.start();
      await two.start();
      // New traffic while only the two instances run, spread over every partition (keyed by patient): each sees part of it.
      const busy = practitionerName();
      await publisher.publish(topics.accessDecisions, [
        ...Array.from({ length: 9 }, () => decision(busy, pseudonym())),
        ...Array.from({ length: 6 }, () => decision(busy, pseudonym(), 'deny')),
      ]);
      // Data quality: three ordinary days (1 of 21 resources refused), then a day with a third refused and a resubmission.
      const dayAgo = (days: number) => new Date(Date.now() - days * 24 * HOUR);
      const resent = randomBytes(32).toString('hex');
      for (const days of [1, 2, 3]) {
        await publisher.publish(topics.recordsEncrypted, [
          ...Array.from({ length: 20 }, () => encrypted(dayAgo(days))),
          ...(days === 1 ? [encrypted(dayAgo(days), resent)] : []),
        ]);
        await publisher.publish(topics.ingestRejected, [rejection(['required'], dayAgo(days))]);
      }
      await publisher.publish(topics.recordsEncrypted, [...Array.from({ length: 20 }, () => encrypted(new Date())), encrypted(new Date(), resent)]);
      await publisher.publish(
        topics.ingestRejected,
        Array.from({ length: 11 }, (_, n) => rejection(n % 2 === 0 ? ['value'] : ['value', 'code-invalid'])),
      );
      await two.caughtUp();
      expect(await two.raisedKindsAbout(busy)).toEqual(['access-volume', 'practitioner-denials']);
      expect(await two.raisedKinds(['data-quality-rate'])).toEqual(['data-quality-rate']);
      const today = ((await two.qualityRows()) as { day: string; accepted: number; refused_resources: number; duplicates: number }[]).at(-1);
      // Today also holds the four rejections of the first case.
      expect(today).toMatchObject({ accepted: 21, refused_resources: 15, duplicates: 1 });

      // The single instance catches up on the same traffic: same cases, nothing raised a second time.
      await one.start();
      await one.caughtUp();
      await two.caughtUp();
      expect(await one.raisedKindsAbout(busy)).toEqual([]);
      expect(await one.raisedKinds(['data-quality-rate'])).toEqual([]);
      expect(await two.caseRows()).toEqual(await one.caseRows());
      expect(await two.qualityRows()).toEqual(await one.qualityRows());
      await two.stop();

      await rebuilt.open();
      await rebuilt.start();
      await rebuilt.caughtUp();
      expect(await rebuilt.caseRows()).toEqual(await one.caseRows());
      expect(await rebuilt.qualityRows()).toEqual(await one.qualityRows());
      expect(await rebuilt.raisedAlertIds()).toEqual([]);
    } finally {
      await two.close();
      await rebuilt.close();
    }
  }, 240_000);

  it('raises nothing twice after a restart', async () => {
    await one.caughtUp();
    const alertsBefore = onTopic.length;
    const casesBefore = await one.caseRows();
    await one.stop();
    await one.start();
    await one.caughtUp();
    expect(await one.caseRows()).toEqual(casesBefore);
    expect(onTopic.length).toBe(alertsBefore);
  }, 120_000);
});

async function caughtUp(kafka: Kafka, groupId: string, specs: readonly TopicSpec[]): Promise<void> {
  if (!(await waitUntilCaughtUp(kafka, groupId, specs, { timeoutMs: 90_000 }))) throw new Error(`${groupId} did not catch up within 90 s`);
}
