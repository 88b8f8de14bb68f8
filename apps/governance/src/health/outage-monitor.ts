// Wires the OutageDetector: heartbeats from the health topic (one group for all governance instances, so one of
// them raises each alert), the cluster's broker list and, while heartbeats stall or a broker is down, whether each
// broker accepts a connection; a check every second; the alerts it raises go through the AlertRaiser (outbox first:
// kept while Kafka is what is down, published once it is back).
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import { envelope, healthTopic } from '@medshare/contracts';
import { ConsumerHost, type ConsumedEvent } from '@medshare/messaging';
import { KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { GOVERNANCE_SOURCE } from '../alerts/alert-events';
import { AlertRaiser } from '../alerts/alert-raiser';
import type { AlertEvent } from '../alerts/alerts.repository';
import type { GovernanceConfig } from '../config';
import { untilDone } from '../consumption/until-done';
import { rewindAtStart } from '../consumption/window-rebuild';
import { OutageDetector, type OutageAlert } from './outage-detector';

const CHECK_EVERY_MS = 1000;
const BROKER_ANSWER_MS = 1000;

@Injectable()
export class OutageMonitor implements BeforeApplicationShutdown {
  private readonly detector: OutageDetector;
  private readonly admin: Admin;
  private readonly groupId: string;
  private timer?: NodeJS.Timeout;
  private checking = false;
  /** Raised but not claimed in the outbox yet (PostgreSQL may be what is down): claimed with the next check. */
  private pending: AlertEvent[] = [];
  /** Claimed, to be published (and counted); unpublished: a publish failed, the outbox still holds rows. */
  private claimed: AlertEvent[] = [];
  private unpublished = false;
  private publishing?: Promise<void>;
  /** The cluster's broker list as last described, and whether the last description failed (then they are asked). */
  private listed: string[] = [];
  private listFailed = false;
  private listing?: Promise<unknown>;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly raiser: AlertRaiser,
    private readonly consumers: ConsumerHost,
  ) {
    this.detector = new OutageDetector(config.HEALTH_SILENCE_MS);
    this.admin = kafka.admin();
    this.groupId = `${config.KAFKA_GROUP_ID}-health`;
  }

  async start(): Promise<void> {
    await untilDone('connect the outage admin', () => this.admin.connect(), { log: this.log });
    // Heard again, the last heartbeats of instances that died while no governance listened (this one's predecessor
    // among them) go silent and are alerted; their alert ids repeat, so what was raised before is not raised again.
    const replay = [{ topic: healthTopic, periodStart: Date.now() - this.config.HEALTH_REPLAY_MS, refill: true }];
    await rewindAtStart(this.kafka, this.groupId, replay, this.log, this.config.KAFKA_SESSION_TIMEOUT_MS + 2_000);
    await this.consumers.consume('health', { groupId: this.groupId, topics: [healthTopic], handle: async (events) => this.heard(events) });
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
  }

  /** The consumer host stops the health consumer after this. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.publishing, this.listing]);
    await this.admin.disconnect();
  }

  private heard(events: readonly ConsumedEvent[]): void {
    const arrivedAt = Date.now();
    for (const { event } of events) if (event.type === 'platform.heartbeat.v1') this.queue(this.detector.heard(event.data, Date.parse(event.time), arrivedAt));
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      this.refreshBrokerList();
      const now = Date.now();
      // Brokers first: a stall that a broker down explains is no bus alert.
      const answering = this.listFailed || this.detector.brokersInDoubt(now) ? await answeringOf(this.listed) : new Set(this.listed);
      this.queue(this.detector.brokersSeen(this.listed, answering));
      this.queue(this.detector.check(now));
      await this.raise();
    } finally {
      this.checking = false;
    }
  }

  /** Not awaited by the check: with a broker just killed, kafkajs may take seconds to answer it. */
  private refreshBrokerList(): void {
    this.listing ??= this.admin
      .describeCluster()
      .then((cluster) => {
        this.listed = cluster.brokers.map(({ host, port }) => `${host}:${port}`);
        this.listFailed = false;
      })
      .catch(() => (this.listFailed = true))
      .finally(() => (this.listing = undefined));
  }

  private queue(alerts: readonly OutageAlert[]): void {
    for (const { alertId = randomUUID(), severity, summary, details } of alerts) {
      this.pending.push(envelope('governance.alert.v1', GOVERNANCE_SOURCE, { alertId, kind: 'outage', severity, summary, details }));
      this.log.warn({ component: details.component, name: details.name, state: details.state }, 'outage detected');
    }
  }

  /**
   * Claims what was raised in the outbox (PostgreSQL: quick), then publishes in the background: with two brokers down
   * a publish waits for Kafka for long, and must not keep later alerts from being claimed meanwhile.
   */
  private async raise(): Promise<void> {
    const raising = this.pending;
    this.pending = [];
    try {
      this.claimed.push(...(await this.raiser.claim(raising)));
    } catch (error) {
      this.pending = [...raising, ...this.pending];
      this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'outage alerts not stored yet; retrying');
    }
    if (this.claimed.length > 0 || this.unpublished) this.publishing ??= this.publish().finally(() => (this.publishing = undefined));
  }

  private async publish(): Promise<void> {
    const publishing = this.claimed;
    this.claimed = [];
    this.unpublished = false;
    try {
      await this.raiser.publish(publishing);
    } catch (error) {
      this.claimed = [...publishing, ...this.claimed];
      this.unpublished = true;
      this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'outage alerts not published yet; retrying');
    }
  }
}

/** The brokers that accept a connection: a killed one refuses at once (a frozen one is fenced by the cluster). */
async function answeringOf(names: readonly string[]): Promise<Set<string>> {
  const answered = await Promise.all(names.map(async (name) => ((await answers(name)) ? [name] : [])));
  return new Set(answered.flat());
}

function answers(name: string): Promise<boolean> {
  const at = name.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: name.slice(0, at), port: Number(name.slice(at + 1)), timeout: BROKER_ANSWER_MS });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
