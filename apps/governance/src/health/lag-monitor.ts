// Watches every active consumer group's lag (committed offsets against high watermarks) every
// CONSUMER_LAG_CHECK_MS, and raises `consumer-lag` when a group stays above CONSUMER_LAG_THRESHOLD for longer than
// CONSUMER_LAG_FOR_MS. When an episode began is a PostgreSQL row, so every instance measures the same episode and the
// outbox lets one of them raise its alert.
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { envelope } from '@medshare/contracts';
import { DATA_SOURCE, KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { GOVERNANCE_SOURCE } from '../alerts/alert-events';
import { AlertRaiser } from '../alerts/alert-raiser';
import type { GovernanceConfig } from '../config';
import { untilDone } from '../consumption/until-done';
import { assessLag, groupLag, type LagFinding, type LagLimits, type PartitionPosition } from './consumer-lag';

@Injectable()
export class LagMonitor implements BeforeApplicationShutdown {
  private readonly admin: Admin;
  private readonly limits: LagLimits;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<unknown>;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly raiser: AlertRaiser,
  ) {
    this.admin = kafka.admin();
    this.limits = { threshold: config.CONSUMER_LAG_THRESHOLD, forMs: config.CONSUMER_LAG_FOR_MS };
  }

  async start(): Promise<void> {
    await untilDone('connect the lag admin', () => this.admin.connect(), { log: this.log });
    this.timer = setInterval(() => {
      this.checking ??= this.check(Date.now())
        .catch((error: unknown) => this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'consumer lag not checked'))
        .finally(() => (this.checking = undefined));
    }, this.config.CONSUMER_LAG_CHECK_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    await this.admin.disconnect();
  }

  /** One check at `now`: the lag of every active group, the episodes, and the alerts claimed (their ids). */
  async check(now: number): Promise<string[]> {
    const lags = await this.measure();
    const findings: LagFinding[] = [];
    for (const [group, lag] of lags) {
      if (lag <= this.limits.threshold) {
        await this.dataSource.query(`DELETE FROM lag_episodes WHERE group_id = $1`, [group]);
        continue;
      }
      await this.dataSource.query(`INSERT INTO lag_episodes (group_id, over_since) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [group, new Date(now)]);
      const [episode]: { over_since: Date }[] = await this.dataSource.query(`SELECT over_since FROM lag_episodes WHERE group_id = $1`, [group]);
      const finding = episode && assessLag(group, lag, episode.over_since.getTime(), now, this.limits);
      if (finding) findings.push(finding);
    }
    // A group that stopped (no active member) ends its episode: it is an outage, not lag.
    await this.dataSource.query(`DELETE FROM lag_episodes WHERE NOT (group_id = ANY($1))`, [[...lags.keys()]]);
    return this.raiser.raise(
      findings.map(({ alertId, summary, details }) =>
        envelope('governance.alert.v1', GOVERNANCE_SOURCE, { alertId, kind: 'consumer-lag', severity: 'warning', summary, details }, { time: new Date(now) }),
      ),
    );
  }

  /** group → messages behind, for every group with running members (state Stable). */
  private async measure(): Promise<Map<string, number>> {
    const { groups } = await this.admin.listGroups();
    const consumers = groups.filter((group) => group.protocolType === 'consumer').map((group) => group.groupId);
    if (consumers.length === 0) return new Map();
    const described = await this.admin.describeGroups(consumers);
    const ends = new Map<string, Map<number, bigint>>();
    const endOf = async (topic: string) => {
      let known = ends.get(topic);
      if (!known) {
        known = new Map((await this.admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));
        ends.set(topic, known);
      }
      return known;
    };
    const lags = new Map<string, number>();
    for (const group of described.groups.filter((candidate) => candidate.state === 'Stable')) {
      const committed = await this.admin.fetchOffsets({ groupId: group.groupId });
      const positions: PartitionPosition[] = [];
      for (const { topic, partitions } of committed) {
        const high = await endOf(topic);
        for (const { partition, offset } of partitions) positions.push({ topic, partition, committed: BigInt(offset), end: high.get(partition) ?? 0n });
      }
      lags.set(group.groupId, groupLag(positions));
    }
    return lags;
  }
}
