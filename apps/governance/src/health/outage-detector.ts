// Outages from silence, as a pure state machine: a service instance whose heartbeats stop for `silenceMs` is down
// (one critical `outage` alert); heard again, or replaced by a new instance of the same service, it has recovered
// (one info `outage` alert). A graceful stop says goodbye and raises nothing. Brokers from the cluster's broker list
// and whether each answers: one that leaves the list or stops answering is down, one that is back has recovered.
//
// Silence is measured on the bus's clock, not the wall's: time counts only while heartbeats keep arriving (two
// arrivals at most `gapMs` apart). While a partition leader moves nobody's heartbeat arrives, so nobody looks
// silent: that is one `bus` alert (when it lasts, and no broker down explains it), not a false outage per service.
import { createHash } from 'node:crypto';
import type { EventData } from '@medshare/contracts';

type Heartbeat = EventData<'platform.heartbeat.v1'>;

export interface OutageAlert {
  /** Derived from the instance and its last heartbeat (the same from any replay, so raised once); random otherwise. */
  alertId?: string;
  severity: 'critical' | 'warning' | 'info';
  summary: string;
  details: {
    component: 'service' | 'broker' | 'bus';
    name: string;
    state: 'down' | 'recovered';
    silentMs?: number;
    service?: string;
    instance?: string;
    reachable?: number;
    brokers?: number;
  };
}

interface Instance {
  service: Heartbeat['service'];
  instance: string;
  /** Event time of its first and newest heartbeat. */
  firstSeen: number;
  lastSeen: number;
  /** The bus clock when its newest heartbeat arrived. */
  lastHeardOnBus: number;
  down: boolean;
}

export class OutageDetector {
  private readonly instances = new Map<string, Instance>();
  private readonly brokers = new Map<string, { down: boolean }>();
  /** Milliseconds during which the health topic was delivering (arrivals at most gapMs apart). */
  private busClock = 0;
  private lastArrival?: number;
  private busDown = false;
  private intervalMs = 5000;

  constructor(private readonly silenceMs: number) {}

  /** Heartbeats stop being "in a row" after a pause this long: 1.5 heartbeat intervals of the slowest sender. */
  private get gapMs(): number {
    return 1.5 * this.intervalMs;
  }

  /**
   * A heartbeat sent at `at` (its event time: a heartbeat replayed out of order changes nothing) that arrived at
   * `arrivedAt` (this process's clock).
   */
  heard(heartbeat: Heartbeat, at: number, arrivedAt: number): OutageAlert[] {
    const alerts = this.arrived(arrivedAt);
    this.intervalMs = Math.max(this.intervalMs, heartbeat.intervalMs);
    const { service, instance, state } = heartbeat;
    const key = `${service}/${instance}`;
    const known = this.instances.get(key);
    if (known && at < known.lastSeen) return alerts;
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
    else this.instances.set(key, { service, instance, firstSeen: known?.firstSeen ?? at, lastSeen: at, lastHeardOnBus: this.busClock, down: false });
    return alerts;
  }

  /** The bus clock runs on between two arrivals close enough together; a stall's end ends a `bus` outage. */
  private arrived(arrivedAt: number): OutageAlert[] {
    const since = this.lastArrival === undefined ? Infinity : arrivedAt - this.lastArrival;
    if (since > 0 && since <= this.gapMs) this.busClock += since;
    this.lastArrival = Math.max(arrivedAt, this.lastArrival ?? arrivedAt);
    if (!this.busDown) return [];
    this.busDown = false;
    return [busAlert('recovered', `heartbeats arrive again on the health topic`)];
  }

  /** At `now`: instances silent for longer than `silenceMs` of bus time, and a bus that delivers nothing. */
  check(now: number): OutageAlert[] {
    const alerts: OutageAlert[] = [];
    for (const [key, entry] of this.instances) {
      const silentMs = this.busClock - entry.lastHeardOnBus;
      if (entry.down || silentMs <= this.silenceMs) continue;
      entry.down = true;
      const alert = serviceAlert(entry, 'down', `${entry.service} instance ${entry.instance} sent no heartbeat for ${Math.round(silentMs / 1000)} s`);
      alerts.push({ ...alert, details: { ...alert.details, silentMs } });
      // Already replaced (a restart while it was silent, a governance that replays its predecessor's heartbeats).
      const successor = [...this.instances.values()].find((other) => other.service === entry.service && !other.down && other.firstSeen > entry.lastSeen);
      if (successor) {
        alerts.push(serviceAlert(entry, 'recovered', `${entry.service} instance ${entry.instance} was replaced by ${successor.instance}`));
        this.instances.delete(key);
      }
    }
    const stalledMs = this.lastArrival === undefined ? 0 : now - this.lastArrival;
    const brokerDown = [...this.brokers.values()].some((broker) => broker.down);
    if (!this.busDown && stalledMs > this.silenceMs && !brokerDown) {
      this.busDown = true;
      alerts.push(busAlert('down', `no heartbeat of any service arrived on the health topic for ${Math.round(stalledMs / 1000)} s`, stalledMs));
    }
    return alerts;
  }

  /**
   * Whether the brokers must be asked one by one at `now`: heartbeats stopped arriving (or never did), or one is down.
   * Not every second regardless: a TLS listener logs every bare connection as a failed handshake.
   */
  brokersInDoubt(now: number): boolean {
    return this.lastArrival === undefined || now - this.lastArrival > this.gapMs || [...this.brokers.values()].some((broker) => broker.down);
  }

  /**
   * The brokers the cluster lists now and those of them that answer (host:port). A broker seen before that is no
   * longer listed, or does not answer, is down: without a controller majority nobody fences a dead broker, so the
   * list alone does not change when two of three die.
   */
  brokersSeen(listed: readonly string[], answering: ReadonlySet<string>): OutageAlert[] {
    const alerts: OutageAlert[] = [];
    for (const name of listed) if (!this.brokers.has(name)) this.brokers.set(name, { down: false });
    const up = (name: string) => listed.includes(name) && answering.has(name);
    const reachable = [...this.brokers.keys()].filter(up).length;
    const count = { reachable, brokers: this.brokers.size };
    for (const [name, broker] of this.brokers) {
      if (broker.down === !up(name)) continue;
      broker.down = !up(name);
      alerts.push(brokerAlert(name, broker.down ? 'down' : 'recovered', listed.includes(name), count));
    }
    return alerts;
  }
}

function serviceAlert({ service, instance, lastSeen }: Instance, state: 'down' | 'recovered', summary: string): OutageAlert {
  const name = `${service}/${instance}`;
  return {
    alertId: `outage-${createHash('sha256').update(`${name}\n${lastSeen}\n${state}`).digest('hex').slice(0, 40)}`,
    severity: state === 'down' ? 'critical' : 'info',
    summary,
    details: { component: 'service', name, state, service, instance },
  };
}

function brokerAlert(name: string, state: 'down' | 'recovered', listed: boolean, count: { reachable: number; brokers: number }): OutageAlert {
  const of = `${count.reachable} of ${count.brokers} brokers answer`;
  const summary =
    state === 'recovered'
      ? `Kafka broker ${name} is back in the cluster (${of})`
      : `Kafka broker ${name} ${listed ? 'does not answer' : 'left the cluster'} (${of}${count.reachable * 2 <= count.brokers ? ': too few for the platform to write' : ''})`;
  return { severity: state === 'down' ? 'critical' : 'info', summary, details: { component: 'broker', name, state, ...count } };
}

function busAlert(state: 'down' | 'recovered', summary: string, silentMs?: number): OutageAlert {
  return {
    severity: state === 'down' ? 'critical' : 'info',
    summary,
    details: { component: 'bus', name: 'medshare.health.v1', state, ...(silentMs === undefined ? {} : { silentMs }) },
  };
}
