// Every service instance says it is alive on the health topic, every HEARTBEAT_INTERVAL_MS, and says goodbye on a
// graceful stop: governance raises an outage alert for an instance that goes silent (apps/governance/src/health).
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { envelope, healthTopic, type EventData } from '@medshare/contracts';
import { EventPublisher } from '@medshare/messaging';
import type { Logger } from './logger';

export const HEARTBEAT_OPTIONS = Symbol('HEARTBEAT_OPTIONS');

export interface HeartbeatOptions {
  service: EventData<'platform.heartbeat.v1'>['service'];
  instance: string;
  intervalMs: number;
  logger: Logger;
}

@Injectable()
export class Heartbeats implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    @Inject(HEARTBEAT_OPTIONS) private readonly options: HeartbeatOptions,
    private readonly publisher: EventPublisher,
  ) {}

  onApplicationBootstrap(): void {
    void this.beat('up');
    this.timer = setInterval(() => void this.beat('up'), this.options.intervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.beat('stopping');
  }

  private async beat(state: 'up' | 'stopping'): Promise<void> {
    const { service, instance, intervalMs, logger } = this.options;
    try {
      // A heartbeat that cannot go out within its interval is a missed one: Kafka is down, governance will see it.
      await this.publisher.publish(healthTopic, [envelope('platform.heartbeat.v1', service, { service, instance, state, intervalMs })], {
        deadlineMs: intervalMs,
      });
      if (this.failing) logger.info({ service }, 'heartbeats sent again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) logger.warn({ service, error: error instanceof Error ? error.message : String(error) }, 'heartbeat not sent');
      this.failing = true;
    }
  }
}
