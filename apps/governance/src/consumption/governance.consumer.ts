// The governance consumer: feeds decisions and rejections to the rules, publishes what they raise, and
// stores every alert that appears on the alerts topic (its own and other services').
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { BatchConsumer, EventPublisher, type ConsumedEvent } from '@medshare/messaging';
import { KAFKA, LOGGER, Readiness, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { alertEventOf } from '../alerts/alert-events';
import { AlertsRepository, type AlertEvent } from '../alerts/alerts.repository';
import { rulesConfigOf, type GovernanceConfig } from '../config';
import { alertsRaised, alertsStored } from '../governance.metrics';
import { Detectors, type RuleAlert } from '../rules/detectors';
import { ConsumptionStats } from './consumption-stats';
import { GroupRunningError, rewindGroup } from './window-rebuild';

export const detectorTopics = [topics.accessDecisions, topics.ingestRejected] as const;

@Injectable()
export class GovernanceConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly detectors: Detectors;
  private readonly consumer: BatchConsumer;
  /** Raised but not yet published: survives a failed attempt, since a retried batch is deduplicated by the rules. */
  private pending: RuleAlert[] = [];

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly publisher: EventPublisher,
    private readonly alerts: AlertsRepository,
    private readonly stats: ConsumptionStats,
    private readonly readiness: Readiness,
  ) {
    this.detectors = new Detectors(rulesConfigOf(config));
    this.consumer = new BatchConsumer(kafka, publisher, {
      groupId: config.KAFKA_GROUP_ID,
      topics: [...detectorTopics, topics.governanceAlerts],
      // A fresh group stores the whole alert history; the detector topics are positioned by the rebuild.
      fromBeginning: true,
      handle: (events) => this.handle(events),
      log,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.REBUILD_WINDOWS_ON_START) await this.rebuildWindows();
    await this.consumer.start();
    this.readiness.register('consumer', async () => {
      if (!this.consumer.isRunning) throw new Error('governance consumer is not running');
    });
    this.log.info({ groupId: this.config.KAFKA_GROUP_ID }, 'governance consumer joined');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(batch: readonly ConsumedEvent[]): Promise<void> {
    const seenAlerts: AlertEvent[] = [];
    for (const { event } of batch) {
      if (event.type === 'governance.alert.v1') seenAlerts.push(event);
      else this.pending.push(...this.detectors.observe(event));
    }
    await this.publishPending();
    const stored = await this.alerts.store(seenAlerts);
    if (stored > 0) for (const alert of seenAlerts) alertsStored.inc({ kind: alert.data.kind, severity: alert.data.severity });
    this.detectors.evictIdle();
    if (batch.length > 0) this.stats.record(batch[0].topic, batch.length);
  }

  /** A rule alert already stored for the same key and window (raised before a restart) is not raised again. */
  private async publishPending(): Promise<void> {
    if (this.pending.length === 0) return;
    const fresh: RuleAlert[] = [];
    for (const alert of this.pending) if (!(await this.alerts.raisedNear(alert.kind, alert.windowKey, alert.at, alert.windowMs))) fresh.push(alert);
    await this.publisher.publish(topics.governanceAlerts, fresh.map(alertEventOf));
    this.pending = [];
    for (const alert of fresh) alertsRaised.inc({ kind: alert.kind });
    if (fresh.length > 0) this.log.info({ alerts: fresh.map((alert) => ({ alertId: alert.alertId, kind: alert.kind, institution: alert.institution })) }, 'governance alerts raised');
  }

  private async rebuildWindows(): Promise<void> {
    const longestWindow = Math.max(...Object.values(rulesConfigOf(this.config)).map((limits) => limits.windowMs));
    const started = Date.now();
    try {
      await rewindGroup(this.kafka, this.config.KAFKA_GROUP_ID, detectorTopics, started - longestWindow);
      this.log.info({ groupId: this.config.KAFKA_GROUP_ID, rewindMs: longestWindow, tookMs: Date.now() - started }, 'detector topics rewound to rebuild the windows');
    } catch (error) {
      if (!(error instanceof GroupRunningError)) throw error;
      // Another instance of the group is running: it keeps its position; this one starts with empty windows.
      this.log.warn({ groupId: this.config.KAFKA_GROUP_ID, reason: error.message }, 'detector windows not rebuilt');
    }
  }
}
