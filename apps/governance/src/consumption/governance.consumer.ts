// The governance consumer: feeds decisions and the state they are judged against (tokens, roles, records) to the
// privacy rules, publishes what they raise through the outbox, stores every alert that appears on the alerts topic
// (its own and other services') and keeps the cases projection. Data quality has its own (src/quality/).
import { Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { topics, type EventOf, type MedshareEvent } from '@medshare/contracts';
import { ConsumerHost, type ConsumedEvent } from '@medshare/messaging';
import { KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { AlertRaiser } from '../alerts/alert-raiser';
import { AlertsRepository, type AlertEvent } from '../alerts/alerts.repository';
import { CasesRepository } from '../cases/cases.repository';
import { privacyLimitsOf, type GovernanceConfig } from '../config';
import { alertsStored } from '../governance.metrics';
import { findingEvent, PrivacyMonitor } from '../privacy/privacy-monitor';
import { WebhooksRepository } from '../webhooks/webhooks.repository';
import { ConsumptionStats } from './consumption-stats';
import { waitUntilCaughtUp } from './catch-up';
import { untilDone } from './until-done';
import { rewindAtStart } from './window-rebuild';

/**
 * What decisions are judged against (tokens, roles, records) and what was already raised and handled (alerts,
 * cases): read by a group of its own, which catches up before decisions are read, so neither a rebuild nor a
 * restart judges a decision against state it has not read, or raises an alert the topic already has.
 */
export const stateTopics = [topics.identity, topics.grants, topics.recordsEncrypted, topics.governanceAlerts, topics.governanceCases] as const;
const STATE_CATCH_UP_MS = 5 * 60_000;

@Injectable()
export class GovernanceConsumer {
  /** Settles once the state group caught up at start (or gave up waiting): other consumers that judge against the alerts table wait for it. */
  private stateSettled: () => void = () => undefined;
  readonly stateCaughtUp = new Promise<void>((settle) => (this.stateSettled = settle));

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly alerts: AlertsRepository,
    private readonly stats: ConsumptionStats,
    private readonly consumers: ConsumerHost,
    private readonly privacy: PrivacyMonitor,
    private readonly raiser: AlertRaiser,
    private readonly cases: CasesRepository,
    private readonly webhooks: WebhooksRepository,
  ) {}

  async start(): Promise<void> {
    await this.consumers.consume('governance-state', {
      groupId: `${this.config.KAFKA_GROUP_ID}-state`,
      topics: stateTopics,
      fromBeginning: true,
      handle: (events) => this.remember(events),
    });
    // A rebuild (or a long pause) must not judge decisions against state it has not read yet.
    const caughtUp = await untilDone(
      'wait for the state group',
      () => waitUntilCaughtUp(this.kafka, `${this.config.KAFKA_GROUP_ID}-state`, stateTopics, { timeoutMs: STATE_CATCH_UP_MS }),
      { log: this.log },
    );
    if (!caughtUp) {
      this.log.warn({ groupId: this.config.KAFKA_GROUP_ID }, 'privacy state not caught up in time; judging decisions anyway');
    }
    this.stateSettled();
    if (this.config.REBUILD_WINDOWS_ON_START) await this.rebuildWindows();
    await this.consumers.consume('governance-events', {
      groupId: this.config.KAFKA_GROUP_ID,
      topics: [topics.accessDecisions],
      // Positioned by the rewind at start (a fresh group reads the replay period, not all history).
      fromBeginning: true,
      handle: (events) => this.handle(events),
    });
    this.log.info({ groupId: this.config.KAFKA_GROUP_ID }, 'governance consumer joined');
  }

  private async handle(batch: readonly ConsumedEvent[]): Promise<void> {
    await this.raise(batch.map(({ event }) => event));
    if (batch.length > 0) this.stats.record(batch[0].topic, batch.length);
  }

  /** Every alert (its own and other services') into the table and the cases; case steps; tokens, roles, records. */
  private async remember(batch: readonly ConsumedEvent[]): Promise<void> {
    const seenAlerts: AlertEvent[] = [];
    const caseEvents: EventOf<'governance.case.v1'>[] = [];
    const state: MedshareEvent[] = [];
    for (const { event } of batch) {
      if (event.type === 'governance.alert.v1') seenAlerts.push(event);
      else if (event.type === 'governance.case.v1') caseEvents.push(event);
      else state.push(event);
    }
    await this.privacy.observe(state);
    const stored = await this.alerts.store(seenAlerts);
    if (stored > 0) for (const alert of seenAlerts) alertsStored.inc({ kind: alert.data.kind, severity: alert.data.severity });
    // Every seen alert, not only the new ones: a batch read again after a crash makes the deliveries it did not.
    await this.webhooks.enqueue(seenAlerts.map((alert) => alert.id));
    await this.cases.applyAlerts(
      seenAlerts.map(({ data, time }) => ({
        alertId: data.alertId,
        kind: data.kind,
        severity: data.severity,
        institution: data.institution ?? null,
        details: data.details ?? null,
        raisedAt: time,
      })),
    );
    await this.cases.applyCaseEvents(caseEvents);
    if (batch.length > 0) this.stats.record(batch[0].topic, batch.length);
  }

  /** Privacy findings, raised once each (AlertRaiser). */
  private async raise(events: readonly MedshareEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.raiser.raise((await this.privacy.observe(events)).map(findingEvent));
  }

  /** A fresh group starts on the decisions topic DECISIONS_REPLAY_MS back (refilling the current windows); a group with commits keeps them. */
  private async rebuildWindows(): Promise<void> {
    const started = Date.now();
    const limits = privacyLimitsOf(this.config);
    const decisionsReplay =
      this.config.DECISIONS_REPLAY_MS ??
      Math.max(limits.volume.windowMs, limits.practitionerDenials.windowMs, limits.deniedSpike.windowMs, limits.research.windowMs);
    const rewinds = [{ topic: topics.accessDecisions, periodStart: started - decisionsReplay, refill: false }];
    // Another instance of the group is running: the group keeps its position.
    if (await rewindAtStart(this.kafka, this.config.KAFKA_GROUP_ID, rewinds, this.log))
      this.log.info({ groupId: this.config.KAFKA_GROUP_ID, replayMs: decisionsReplay, tookMs: Date.now() - started }, 'decisions replay positioned');
  }
}
