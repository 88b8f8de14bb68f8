// Judges every institution's last complete hour of submissions against its own baseline (volume-drop.ts) every
// VOLUME_CHECK_MS, on every instance: the alert id names institution and hour, so the outbox raises it once. An hour
// is judged only while the quality group has read the submissions topic to its end (a rebuild or a lagging consumer
// would otherwise see a drop that is only not counted yet).
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { envelope, topics } from '@medshare/contracts';
import { EventPublisher } from '@medshare/messaging';
import { KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { GOVERNANCE_SOURCE } from '../alerts/alert-events';
import { AlertsRepository } from '../alerts/alerts.repository';
import type { GovernanceConfig } from '../config';
import { waitUntilCaughtUp } from '../consumption/catch-up';
import { alertsRaised } from '../governance.metrics';
import { OutboxRepository } from '../outbox/outbox.repository';
import { QualityRepository } from './quality.repository';
import { assessVolume, baselineHours, hourToJudge, type VolumeFinding, type VolumeLimits } from './volume-drop';

@Injectable()
export class VolumeMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly limits: VolumeLimits;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<unknown>;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly publisher: EventPublisher,
    private readonly quality: QualityRepository,
    private readonly outbox: OutboxRepository,
    private readonly alerts: AlertsRepository,
  ) {
    this.limits = {
      factor: config.VOLUME_DROP_FACTOR,
      minSubmissions: config.VOLUME_MIN_SUBMISSIONS,
      days: config.VOLUME_BASELINE_DAYS,
      graceMs: config.VOLUME_GRACE_MS,
    };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.checking ??= this.check(Date.now())
        .catch((error: unknown) => this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'submission volume not checked'))
        .finally(() => (this.checking = undefined));
    }, this.config.VOLUME_CHECK_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** Judges the hour due at `now`; answers the ids of the alerts claimed (none while the counts are behind). */
  async check(now: number): Promise<string[]> {
    const counted = await waitUntilCaughtUp(this.kafka, `${this.config.KAFKA_GROUP_ID}-quality`, [topics.auditSubmissions], { timeoutMs: 0 });
    if (!counted) return [];
    const hour = hourToJudge(now, this.limits.graceMs);
    const hours = [hour, ...baselineHours(hour, this.limits.days)];
    const findings: VolumeFinding[] = [];
    for (const [institution, [count, ...baseline]] of await this.quality.hourly(hours)) {
      const finding = assessVolume(institution, hour, count, baseline, this.limits);
      if (finding) findings.push(finding);
    }
    const known = new Set(await this.alerts.storedAlertIds(findings.map((finding) => finding.alertId)));
    const claimed = await this.outbox.publishLater(
      topics.governanceAlerts,
      findings
        .filter((finding) => !known.has(finding.alertId))
        .map(({ alertId, institution, summary, details, at }) => ({
          id: alertId,
          event: envelope(
            'governance.alert.v1',
            GOVERNANCE_SOURCE,
            { alertId, kind: 'volume-drop', severity: 'warning', summary, institution, details },
            { time: new Date(at) },
          ),
        })),
    );
    await this.outbox.publishPending(this.publisher);
    for (const { event } of claimed) alertsRaised.inc({ kind: event.data.kind });
    if (claimed.length > 0) this.log.warn({ alerts: claimed.map(({ id }) => id) }, 'volume-drop alerts raised');
    return claimed.map(({ id }) => id);
  }
}
