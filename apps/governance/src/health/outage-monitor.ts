// Wires the OutageDetector: heartbeats from the health topic (one group for all governance instances, so one of
// them raises each alert), the cluster's broker list and whether each broker answers, a check every second, and the
// alerts it raises through the AlertRaiser (outbox first: kept while Kafka is what is down, published once it is back).
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
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
export class OutageMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly detector: OutageDetector;
  private readonly admin: Admin;
  private readonly groupId: string;
  private timer?: NodeJS.Timeout;
  private checking = false;
  /** Raised but not claimed in the outbox yet (PostgreSQL may be what is down): claimed with the next check. */
  private pending: AlertEvent[] = [];
  private raising?: Promise<void>;
  private unpublished = false;
  private listed: string[] = [];

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

  async onApplicationBootstrap(): Promise<void> {
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
    await this.raising;
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
      this.queue(this.detector.check(Date.now()));
      const cluster = await this.admin.describeCluster().catch(() => undefined);
      // No answer at all: the brokers listed last are asked one by one.
      if (cluster) this.listed = cluster.brokers.map(({ host, port }) => `${host}:${port}`);
      const answering = await Promise.all(this.listed.map(async (name) => ((await answers(name)) ? [name] : [])));
      this.queue(this.detector.brokersSeen(this.listed, new Set(answering.flat())));
      this.raising ??= this.raise().finally(() => (this.raising = undefined));
    } finally {
      this.checking = false;
    }
  }

  private queue(alerts: readonly OutageAlert[]): void {
    for (const { alertId = randomUUID(), severity, summary, details } of alerts) {
      this.pending.push(envelope('governance.alert.v1', GOVERNANCE_SOURCE, { alertId, kind: 'outage', severity, summary, details }));
      this.log.warn({ component: details.component, name: details.name, state: details.state }, 'outage detected');
    }
  }

  /** Claims in the outbox, then publishes; a publish that failed is tried again at the next check. */
  private async raise(): Promise<void> {
    const raising = this.pending;
    if (raising.length === 0 && !this.unpublished) return;
    this.pending = [];
    let claimed: AlertEvent[];
    try {
      claimed = await this.raiser.claim(raising);
    } catch (error) {
      this.pending = [...raising, ...this.pending];
      this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'outage alerts not stored yet; retrying');
      return;
    }
    try {
      await this.raiser.publish(claimed);
      this.unpublished = false;
    } catch (error) {
      this.unpublished = true;
      this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'outage alerts not published yet; retrying');
    }
  }
}

/** Whether a broker accepts a connection: a killed one refuses at once (a frozen one is fenced by the cluster). */
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
