// Outages from silence, as a pure state machine: a service instance whose heartbeats stop for `silenceMs` is down
// (one critical `outage` alert); heard again, or replaced by a new instance of the same service, it has recovered
// (one info `outage` alert). A graceful stop says goodbye and raises nothing. Brokers the same way, from the
// cluster's broker list: one that leaves it is down, one that returns has recovered.
import type { EventData } from '@medshare/contracts';

type Heartbeat = EventData<'platform.heartbeat.v1'>;

export interface OutageAlert {
  severity: 'critical' | 'info';
  summary: string;
  details: { component: 'service' | 'broker'; name: string; state: 'down' | 'recovered'; silentMs?: number; service?: string; instance?: string };
}

interface Instance {
  service: Heartbeat['service'];
  instance: string;
  lastSeen: number;
  down: boolean;
}

export class OutageDetector {
  private readonly instances = new Map<string, Instance>();
  private readonly brokers = new Map<string, { down: boolean }>();

  constructor(private readonly silenceMs: number) {}

  /** A heartbeat sent at `at` (its event time, so a replay after a restart does not look fresh). */
  heard(heartbeat: Heartbeat, at: number): OutageAlert[] {
    const { service, instance, state } = heartbeat;
    const key = `${service}/${instance}`;
    const known = this.instances.get(key);
    if (known && at < known.lastSeen) return [];
    const alerts: OutageAlert[] = [];
    if (known?.down) alerts.push(serviceAlert(known, 'recovered', `${service} instance ${instance} is sending heartbeats again`));
    if (!known) {
      // A new instance of a service replaces the ones that went down: their outage is over.
      for (const [otherKey, other] of this.instances) {
        if (other.service !== service || !other.down) continue;
        alerts.push(serviceAlert(other, 'recovered', `${service} instance ${other.instance} was replaced by ${instance}`));
        this.instances.delete(otherKey);
      }
    }
    if (state === 'stopping') this.instances.delete(key);
    else this.instances.set(key, { service, instance, lastSeen: at, down: false });
    return alerts;
  }

  /** Instances silent for longer than `silenceMs` at `now` that were not down yet. */
  check(now: number): OutageAlert[] {
    const alerts: OutageAlert[] = [];
    for (const entry of this.instances.values()) {
      const silentMs = now - entry.lastSeen;
      if (entry.down || silentMs <= this.silenceMs) continue;
      entry.down = true;
      const alert = serviceAlert(entry, 'down', `${entry.service} instance ${entry.instance} sent no heartbeat for ${Math.round(silentMs / 1000)} s`);
      alerts.push({ ...alert, details: { ...alert.details, silentMs } });
    }
    return alerts;
  }

  /** The brokers the cluster lists now (host:port): brokers seen before and missing now are down. */
  brokersListed(listed: readonly string[]): OutageAlert[] {
    const alerts: OutageAlert[] = [];
    for (const name of listed) {
      const known = this.brokers.get(name);
      if (known?.down) alerts.push(brokerAlert(name, 'recovered'));
      this.brokers.set(name, { down: false });
    }
    for (const [name, known] of this.brokers) {
      if (known.down || listed.includes(name)) continue;
      known.down = true;
      alerts.push(brokerAlert(name, 'down'));
    }
    return alerts;
  }
}

function serviceAlert({ service, instance }: Instance, state: 'down' | 'recovered', summary: string): OutageAlert {
  return {
    severity: state === 'down' ? 'critical' : 'info',
    summary,
    details: { component: 'service', name: `${service}/${instance}`, state, service, instance },
  };
}

function brokerAlert(name: string, state: 'down' | 'recovered'): OutageAlert {
  const summary = state === 'down' ? `Kafka broker ${name} left the cluster` : `Kafka broker ${name} is back in the cluster`;
  return { severity: state === 'down' ? 'critical' : 'info', summary, details: { component: 'broker', name, state } };
}
