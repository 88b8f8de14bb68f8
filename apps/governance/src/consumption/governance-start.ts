// Governance's Kafka start-up, run once the process listens: catching up on the state topics may take minutes (up to
// STATE_CATCH_UP_MS), and a second instance joining seven groups waits for each rebalance. /health/live answers from
// the start, /health/ready only once every consumer below joined its group (and the state group caught up).
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, Readiness, type Logger } from '@medshare/service-kit';
import { AuditProjector } from '../audit/audit-projector';
import { DeadLetterMonitor } from '../health/dead-letter-monitor';
import { LagMonitor } from '../health/lag-monitor';
import { OutageMonitor } from '../health/outage-monitor';
import { QualityMonitor } from '../quality/quality-monitor';
import { ReportsConsumer } from '../reports/reports.consumer';
import { GovernanceConsumer } from './governance.consumer';

@Injectable()
export class GovernanceStart implements OnApplicationBootstrap {
  private started = false;
  private readonly parts: { start(): Promise<void> }[];

  constructor(
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
    governance: GovernanceConsumer,
    quality: QualityMonitor,
    deadLetters: DeadLetterMonitor,
    audit: AuditProjector,
    outages: OutageMonitor,
    lag: LagMonitor,
    reports: ReportsConsumer,
  ) {
    this.parts = [governance, quality, deadLetters, audit, outages, lag, reports];
  }

  /** Not awaited: Nest listens only after every bootstrap hook resolved. */
  onApplicationBootstrap(): void {
    const began = Date.now();
    this.readiness.register('start-up', async () => {
      if (!this.started) throw new Error('consumers starting');
    });
    void Promise.all(this.parts.map((part) => part.start())).then(
      () => {
        this.started = true;
        this.log.info({ tookMs: Date.now() - began }, 'governance consumers started');
      },
      (error: unknown) => {
        // A stop during the start-up refuses the consumers still to come: not a failure.
        if (this.readiness.isShuttingDown) return;
        // As a failed bootstrap hook did before: the process ends and its supervisor starts it again.
        this.log.fatal({ error: error instanceof Error ? error.message : String(error) }, 'service failed to start');
        process.exit(1);
      },
    );
  }
}
