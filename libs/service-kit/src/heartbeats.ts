// Every service instance says it is alive on the health topic, every HEARTBEAT_INTERVAL_MS, and says goodbye on a
// graceful stop: governance raises an outage alert for an instance that goes silent (apps/governance/src/health).
// The first acknowledged heartbeat is also when an instance becomes ready: its producer then has its id, the
// cluster's metadata and a broker connection, so its first request does not pay for them (on a loaded machine a
// cold first publish outlasted ingestion's 3 s deadline, and its 503 turned the instance away for Retry-After).
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { envelope, healthTopic, type EventData } from '@medshare/contracts';
import { EventPublisher } from '@medshare/messaging';
import { Readiness } from './health';
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
  private acknowledged = false;

  constructor(
    @Inject(HEARTBEAT_OPTIONS) private readonly options: HeartbeatOptions,
    private readonly publisher: EventPublisher,
    private readonly readiness: Readiness,
  ) {}

  onApplicationBootstrap(): void {
    // Only the first: an instance that turned unready whenever Kafka is slow would leave clients no one to get a 503 from.
    this.readiness.register('heartbeat', async () => {
      if (!this.acknowledged) throw new Error('first heartbeat not acknowledged yet');
    });
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
      this.acknowledged = true;
    } catch (error) {
      if (!this.failing) logger.warn({ service, error: error instanceof Error ? error.message : String(error) }, 'heartbeat not sent');
      this.failing = true;
    }
  }
}
