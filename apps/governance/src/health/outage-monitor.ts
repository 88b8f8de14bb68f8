// Wires the OutageDetector: heartbeats from the health topic (one group for all governance instances, so one of
// them raises each alert), the cluster's broker list, a check every second, and the alerts it raises onto the
// alerts topic (where the governance consumer stores them like any other).
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { envelope, healthTopic, topics } from '@medshare/contracts';
import { ConsumerHost, EventPublisher, type ConsumedEvent } from '@medshare/messaging';
import { KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { GOVERNANCE_SOURCE } from '../alerts/alert-events';
import type { AlertEvent } from '../alerts/alerts.repository';
import type { GovernanceConfig } from '../config';
import { OutageDetector, type OutageAlert } from './outage-detector';

const CHECK_EVERY_MS = 1000;

@Injectable()
export class OutageMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly detector: OutageDetector;
  private readonly admin: Admin;
  private timer?: NodeJS.Timeout;
  private checking = false;
  /** Raised but not yet on the alerts topic (Kafka may be what is down): sent with the next check. */
  private pending: AlertEvent[] = [];

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly publisher: EventPublisher,
    private readonly consumers: ConsumerHost,
  ) {
    this.detector = new OutageDetector(config.HEALTH_SILENCE_MS);
    this.admin = kafka.admin();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.connect();
    await this.consumers.consume('health', {
      groupId: `${this.config.KAFKA_GROUP_ID}-health`,
      topics: [healthTopic],
      handle: async (events) => this.heard(events),
    });
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
  }

  /** The consumer host stops the health consumer after this. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.admin.disconnect();
  }

  private heard(events: readonly ConsumedEvent[]): void {
    for (const { event } of events) if (event.type === 'platform.heartbeat.v1') this.queue(this.detector.heard(event.data, Date.parse(event.time)));
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      this.queue(this.detector.check(Date.now()));
      const cluster = await this.admin.describeCluster().catch(() => undefined);
      if (cluster) this.queue(this.detector.brokersListed(cluster.brokers.map(({ host, port }) => `${host}:${port}`)));
      await this.raise();
    } finally {
      this.checking = false;
    }
  }

  /** Built once: a retry after an unknown outcome sends the same event ids, which the alerts table deduplicates. */
  private queue(alerts: readonly OutageAlert[]): void {
    for (const { severity, summary, details } of alerts) {
      this.pending.push(envelope('governance.alert.v1', GOVERNANCE_SOURCE, { alertId: randomUUID(), kind: 'outage', severity, summary, details }));
    }
  }

  private async raise(): Promise<void> {
    const raising = this.pending;
    if (raising.length === 0) return;
    this.pending = [];
    try {
      await this.publisher.publish(topics.governanceAlerts, raising, { deadlineMs: 5000 });
      for (const { data } of raising)
        this.log.warn({ component: data.details?.component, name: data.details?.name, state: data.details?.state }, 'outage alert raised');
    } catch (error) {
      this.pending = [...raising, ...this.pending];
      this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'outage alerts not published yet; retrying');
    }
  }
}
