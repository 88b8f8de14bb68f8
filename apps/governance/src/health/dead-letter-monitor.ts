// Counts the dead-letter topic per refused topic and window in PostgreSQL, exactly once (a group of its own,
// `<KAFKA_GROUP_ID>-dead-letters`, from the beginning, offsets applied in the counts' transaction), and raises
// `dead-letters` through the outbox when a window holds more than DEAD_LETTER_THRESHOLD. Reads only the `dlq.*`
// headers: a dead letter's value is the refused message, which governance has no business reading.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { deadLetterTopic, envelope } from '@medshare/contracts';
import { ConsumerHost, type RawMessage } from '@medshare/messaging';
import { DATA_SOURCE, SERVICE_CONFIG } from '@medshare/service-kit';
import { GOVERNANCE_SOURCE } from '../alerts/alert-events';
import { AlertRaiser } from '../alerts/alert-raiser';
import type { GovernanceConfig } from '../config';
import { applyOnce } from '../consumption/applied-offsets';
import { GovernanceConsumer } from '../consumption/governance.consumer';
import { assessDeadLetters, deadLetterFact, type DeadLetterFinding, type DeadLetterLimits } from './dead-letters';
import { DeadLettersRepository } from './dead-letters.repository';

@Injectable()
export class DeadLetterMonitor {
  private readonly limits: DeadLetterLimits;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly consumers: ConsumerHost,
    private readonly deadLetters: DeadLettersRepository,
    private readonly raiser: AlertRaiser,
    private readonly governance: GovernanceConsumer,
  ) {
    this.limits = { windowMs: config.DEAD_LETTER_WINDOW_MS, threshold: config.DEAD_LETTER_THRESHOLD };
  }

  async start(): Promise<void> {
    // Alerts already on the topic must be in the table first, so a rebuild raises none again.
    await this.governance.stateCaughtUp;
    await this.consumers.consume('dead-letters', {
      groupId: `${this.config.KAFKA_GROUP_ID}-dead-letters`,
      topics: [deadLetterTopic],
      fromBeginning: true,
      handle: { raw: (messages) => this.handle(messages) },
    });
  }

  async handle(messages: readonly RawMessage[]): Promise<void> {
    const claimed = await applyOnce(this.dataSource, 'dead-letters', messages, async (manager, fresh) => {
      const windows = await this.deadLetters.add(manager, fresh.map(deadLetterFact), this.limits.windowMs);
      const findings = windows
        .map(({ topic, windowStart, count, lastAt }) => assessDeadLetters(topic, windowStart, count, lastAt, this.limits))
        .filter((finding): finding is DeadLetterFinding => finding !== undefined);
      return this.raiser.claim(
        findings.map(({ alertId, summary, details, at }) =>
          envelope('governance.alert.v1', GOVERNANCE_SOURCE, { alertId, kind: 'dead-letters', severity: 'warning', summary, details }, { time: new Date(at) }),
        ),
        manager,
      );
    });
    await this.raiser.publish(claimed ?? []);
  }
}
