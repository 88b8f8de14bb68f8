// On a timer, on every instance: escalate overdue open cases (each once, by whichever instance locks it first)
// and publish what the outbox still holds.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { GovernanceConfig } from '../config';
import { CasesService } from './cases.service';

@Injectable()
export class CaseEscalator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly cases: CasesService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick().finally(() => (this.running = undefined));
    }, this.config.ESCALATION_CHECK_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      await this.cases.escalateOverdue();
      await this.cases.flush();
    } catch (error) {
      this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'case escalation check failed');
    }
  }
}
