// Judges every institution's last complete hour of submissions against its own baseline (volume-drop.ts) every
// VOLUME_CHECK_MS, on every instance: the alert id names institution and hour, so the outbox raises it once. An hour
// is judged only while the quality group has read the submissions topic to its end (a rebuild or a lagging consumer
// would otherwise see a drop that is only not counted yet).
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { envelope, topics } from '@medshare/contracts';
import { KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { GOVERNANCE_SOURCE } from '../alerts/alert-events';
import { AlertRaiser } from '../alerts/alert-raiser';
import type { GovernanceConfig } from '../config';
import { waitUntilCaughtUp } from '../consumption/catch-up';
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
    private readonly quality: QualityRepository,
    private readonly raiser: AlertRaiser,
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
    return this.raiser.raise(
      findings.map(({ alertId, institution, summary, details, at }) =>
        envelope(
          'governance.alert.v1',
          GOVERNANCE_SOURCE,
          { alertId, kind: 'volume-drop', severity: 'warning', summary, institution, details },
          { time: new Date(at) },
        ),
      ),
    );
  }
}
