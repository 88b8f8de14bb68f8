// Raises governance's own rule alerts exactly once, whichever instance finds them and however often: an alert whose
// id the alerts table already holds (raised before a restart, a rebuild or by a second deployment) is dropped, the
// rest are claimed in the outbox (one claim per alert id, any instance) and published from there.
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { topics } from '@medshare/contracts';
import { EventPublisher } from '@medshare/messaging';
import { LOGGER, type Logger } from '@medshare/service-kit';
import { alertsRaised } from '../governance.metrics';
import { OutboxRepository } from '../outbox/outbox.repository';
import { AlertsRepository, type AlertEvent } from './alerts.repository';

@Injectable()
export class AlertRaiser {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly outbox: OutboxRepository,
    private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /** Raises the alerts not raised yet; answers their ids. */
  async raise(alerts: readonly AlertEvent[]): Promise<string[]> {
    return this.publish(await this.claim(alerts));
  }

  /**
   * Claims the alerts not raised yet in the caller's transaction (`manager`), so they are raised exactly when its
   * work commits; `publish` them after the commit.
   */
  async claim(alerts: readonly AlertEvent[], manager?: EntityManager): Promise<AlertEvent[]> {
    if (alerts.length === 0) return [];
    const known = new Set(await this.alerts.storedAlertIds(alerts.map((alert) => alert.data.alertId)));
    const claimed = await this.outbox.publishLater(
      topics.governanceAlerts,
      alerts.filter((alert) => !known.has(alert.data.alertId)).map((alert) => ({ id: alert.data.alertId, event: alert })),
      manager,
    );
    return claimed.map(({ event }) => event);
  }

  /** Publishes what the outbox holds (these claims and any left by a crash), counts and logs the claims; their ids. */
  async publish(claimed: readonly AlertEvent[]): Promise<string[]> {
    await this.outbox.publishPending(this.publisher);
    for (const alert of claimed) alertsRaised.inc({ kind: alert.data.kind });
    const ids = claimed.map((alert) => alert.data.alertId);
    if (ids.length > 0) this.log.warn({ alerts: ids, kinds: [...new Set(claimed.map((alert) => alert.data.kind))] }, 'alerts raised');
    return ids;
  }
}
