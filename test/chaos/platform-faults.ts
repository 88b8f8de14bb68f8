// The faults of the platform chaos run (platform.chaos.spec.ts), in the order they run, with what drives and watches
// them: the FHIR load, the alerts topic, the ledger's writer role. Each fault leaves the platform whole again (every
// process back, every broker in sync) before the next one starts.
import { parseEvent, topics, type EventOf } from '@medshare/contracts';
import { generatePopulation, patientBundle, type SyntheticPatient } from '@medshare/synthetic';
import type { Kafka } from 'kafkajs';
import { eventually } from '../support/eventually';
import { postFhir } from '../support/ingestion-stack';
import { platformServices, type PrivatePlatform } from '../support/private-platform';
import type { PrivatePostgres } from '../support/private-postgres';
import type { RunningService, ServiceName } from '../support/service-processes';
import { closableConsumer, readTopic, type ClosableConsumer } from '../support/topic-reader';
import type { KafkaTestCluster } from './kafka-cluster';
import { retriedOnce, rollingRestart } from './rolling-restart';

/** How long a killed process stays down before it is started again: long enough for its outage alert (15 s silence). */
const DOWN_MS = 20_000;
/** The bound for an outage alert. */
const ALERT_WITHIN_MS = 30_000;
/** SIGSTOP of a broker and of a replica server: the 60 s (longer than every session and request timeout). */
const FREEZE_MS = 60_000;
/** The bound for a standby ledger taking the writer role over after the active one's kill -9. */
const TAKE_OVER_WITHIN_MS = 5_000;
/** How long after an alert's bound the watcher still waits, so that a late alert shows as late rather than missing. */
const LATE_GRACE_MS = 30_000;
/** Two brokers down: a submission is answered 503 within this (PUBLISH_TIMEOUT_MS 3 s, a loaded machine). */
const PROBE_BOUND_MS = 15_000;
const STEADY_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Alert = EventOf<'governance.alert.v1'>['data'];

/** Every alert on the platform's alerts topic, as it arrives (the topic is the run's own: its cluster is). */
export class AlertWatch {
  readonly seen: { time: number; alert: Alert }[] = [];

  private constructor(
    private readonly kafka: Kafka,
    private readonly reader: ClosableConsumer,
  ) {}

  static async start(kafka: Kafka, groupId: string): Promise<AlertWatch> {
    const reader = closableConsumer(kafka, { groupId });
    const watch = new AlertWatch(kafka, reader);
    await reader.consumer.connect();
    await reader.consumer.subscribe({ topic: topics.governanceAlerts.name, fromBeginning: true });
    await reader.consumer.run({ eachMessage: async ({ message }) => watch.saw(message.value) });
    return watch;
  }

  /**
   * 'yes (N s, what)' with N the seconds from `since` to the first alert raised after it that `matches` (by the alert's
   * own time), once one is here ('late' if raised after `deadline()`); 'no' if none came by `deadline()` plus
   * LATE_GRACE_MS (re-read while waiting: a deadline that depends on a restart). Then the whole topic is read again: a
   * broker fault can stall this watcher's own consumer for longer than the alert took.
   */
  async raised(matches: (alert: Alert) => boolean, since: number, deadline: () => number): Promise<string> {
    const find = () => this.seen.find((entry) => entry.time >= since - 1000 && matches(entry.alert));
    while (!find() && Date.now() <= deadline() + LATE_GRACE_MS) await sleep(500);
    // The deadline may fall inside the outage itself (two brokers down): the re-read waits for Kafka, bounded.
    if (!find()) {
      const messages = await eventually(() => readTopic(this.kafka, topics.governanceAlerts.name, { timeoutMs: 60_000 }), {
        timeoutMs: 180_000,
        intervalMs: 2000,
        what: 'the alerts topic read again',
      });
      for (const { value } of messages) this.saw(value);
    }
    const found = find();
    if (!found) return 'no';
    const what = [found.alert.kind, found.alert.details?.name ?? found.alert.details?.replica].filter(Boolean).join(' ');
    return `${found.time <= deadline() ? 'yes' : 'late'} (${Math.max(0, Math.round((found.time - since) / 1000))} s, ${what})`;
  }

  private saw(value: Buffer | null): void {
    const parsed = parseEvent(value, topics.governanceAlerts.name);
    if (parsed.ok && parsed.event.type === 'governance.alert.v1') this.seen.push({ time: Date.parse(parsed.event.time), alert: parsed.event.data });
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** Two submitters, one one-patient bundle each at a time, every one retried (any instance of ingestion) until 202. */
export class FhirLoad {
  /** Record id → when its 202 came. */
  readonly acknowledged = new Map<string, number>();
  /** When each acknowledged submission started and how long it took to its 202, retries included. */
  readonly submissions: { startedAt: number; ms: number }[] = [];
  private producing = false;
  private running: Promise<void> = Promise.resolve();

  private readonly patients: SyntheticPatient[];
  private next = 0;

  constructor(
    private readonly platform: PrivatePlatform,
    private readonly run: string,
  ) {
    this.patients = generatePopulation({ seed: `chaos-${run}`, patientsPerInstitution: 40, institutions: [{ id: 'hosp-a', name: 'A' }] }).patients;
  }

  start(): void {
    const submitter = async () => {
      while (this.producing) {
        const { key, bundle } = this.nextSubmission();
        const startedAt = Date.now();
        for (let attempt = 0; this.producing; attempt += 1) {
          const targets = this.platform.instances('ingestion');
          if ((await this.submit(targets[attempt % Math.max(1, targets.length)], key, bundle))?.status === 202) {
            this.submissions.push({ startedAt, ms: Date.now() - startedAt });
            break;
          }
          await sleep(1000);
        }
        await sleep(200);
      }
    };
    this.producing = true;
    this.running = Promise.all([submitter(), submitter()]).then(() => undefined);
  }

  /** One submission of a bundle of its own to the first ingestion instance, timed; a 202 counts as acknowledged. */
  async probe(): Promise<{ status: number; retryAfter: string | null; ms: number }> {
    const { key, bundle } = this.nextSubmission();
    const startedAt = Date.now();
    const answer = await this.submit(this.platform.instances('ingestion')[0], key, bundle);
    await sleep(500);
    return { status: answer?.status ?? 0, retryAfter: answer?.headers.get('retry-after') ?? null, ms: Date.now() - startedAt - 500 };
  }

  /**
   * One submission as a client behind a load balancer that retries once, on another instance, after a 503 or a failed
   * connection: its last status (0: no connection).
   */
  async submitRetryingOnce(): Promise<number> {
    const { key, bundle } = this.nextSubmission();
    return retriedOnce(this.platform.instances('ingestion'), async (target) => (await this.submit(target, key, bundle))?.status ?? 0);
  }

  private nextSubmission(): { key: string; bundle: unknown } {
    this.next += 1;
    return { key: `chaos-${this.run}-${this.next}`, bundle: patientBundle(this.patients[this.next % this.patients.length], { type: 'batch' }) };
  }

  private async submit(target: RunningService | undefined, key: string, bundle: unknown) {
    if (!target) return undefined;
    // Refused or cut off while an instance is down: the caller retries.
    const answer = await postFhir(target.baseUrl, bundle, { idempotencyKey: key }).catch(() => undefined);
    if (answer?.status === 202) {
      const at = Date.now();
      for (const record of answer.body.records as { recordId: string }[]) this.acknowledged.set(record.recordId, at);
    }
    return answer;
  }

  /** The longest submission (retries included) still open at `since` or started after it: what a client saw of a fault. */
  longestSince(since: number): number {
    const affected = this.submissions.filter((submission) => submission.startedAt + submission.ms >= since);
    return Math.max(0, ...affected.map((submission) => submission.ms));
  }

  /** Resolves at the first 202 after `since`, with the ms from `since`. */
  async firstAcknowledgedAfter(since: number, timeoutMs: number): Promise<number> {
    return eventually(
      () => {
        const first = this.submissions.find((submission) => submission.startedAt + submission.ms > since);
        return first && first.startedAt + first.ms - since;
      },
      { timeoutMs, intervalMs: 200, what: 'a submission acknowledged again' },
    );
  }

  async stop(): Promise<void> {
    this.producing = false;
    await this.running;
  }
}

export interface FaultContext {
  platform: PrivatePlatform;
  cluster: KafkaTestCluster;
  replicas: PrivatePostgres[];
  alerts: AlertWatch;
  load: FhirLoad;
  log(line: string): void;
}

export interface FaultOutcome {
  fault: string;
  /** The fault's own measure of recovery (each fault's description says which). */
  recoveryMs: number;
  /** 'yes (…)' for an outage alerted in time; '-' (with why) where the fault is no outage. */
  alertRaised: string;
  /** What the fault showed of a bound the product must keep and did not (a slow take-over, a stop that failed). */
  unmet?: string;
}

export interface PlatformFault {
  name: string;
  inject(context: FaultContext): Promise<FaultOutcome>;
}

/** The instance id is the log file's name (test/support/service-processes.ts). */
export function instanceOf(service: RunningService): string {
  return service.logFile.replace(/^.*\/(.*)\.log$/, '$1');
}

const serviceDown = (instance: string) => (alert: Alert) => alert.kind === 'outage' && alert.details?.state === 'down' && alert.details?.instance === instance;

/**
 * kill -9 of the service's instance, DOWN_MS down, then a new instance on its port. Recovery: the new instance's
 * start to ready. A lone governance is its own alerter: its outage is raised by its successor, from the heartbeats
 * it replays at start (HEALTH_REPLAY_MS), so its bound is the successor's readiness plus the alert window.
 */
function killService(service: ServiceName): PlatformFault {
  return {
    name: `kill-${service}`,
    async inject({ platform, alerts, log }) {
      const instance = instanceOf(platform.service(service));
      const killedAt = Date.now();
      log(`kill -9 ${instance}`);
      await platform.service(service).stop('SIGKILL');
      let readyAt = Number.POSITIVE_INFINITY;
      const alert = alerts.raised(serviceDown(instance), killedAt, () => (service === 'governance' ? readyAt + ALERT_WITHIN_MS : killedAt + ALERT_WITHIN_MS));
      try {
        await sleep(DOWN_MS);
        const restartAt = Date.now();
        await platform.startInstance(service, { replace: true });
        readyAt = Date.now();
        return {
          fault: `kill -9 ${service} (down ${DOWN_MS / 1000} s, new instance)`,
          recoveryMs: readyAt - restartAt,
          alertRaised: await alert,
        };
      } finally {
        readyAt = Math.min(readyAt, Date.now());
      }
    },
  };
}

/** kill -9 of the broker leading most ingest.sealed partitions, DOWN_MS down, restarted. Recovery: the longest submission. */
const killBroker: PlatformFault = {
  name: 'kill-broker',
  async inject({ cluster, alerts, load, log }) {
    const broker = await cluster.busiestLeader(topics.ingestSealed.name);
    const killedAt = Date.now();
    log(`kill -9 broker ${broker.id}`);
    await cluster.kill(broker);
    const alert = alerts.raised(
      (a) => a.kind === 'outage' && a.details?.component === 'broker' && a.details?.state === 'down',
      killedAt,
      () => killedAt + ALERT_WITHIN_MS,
    );
    await sleep(DOWN_MS);
    await cluster.restart(broker);
    await cluster.waitForFullIsr(topics.ingestSealed.name, 120_000);
    return {
      fault: `kill -9 broker ${broker.id} (most ingest.sealed leaders; down ${DOWN_MS / 1000} s)`,
      recoveryMs: load.longestSince(killedAt),
      alertRaised: await alert,
    };
  },
};

const brokerDown = (alert: Alert) => alert.kind === 'outage' && alert.details?.component === 'broker' && alert.details?.state === 'down';

/** SIGSTOP of the broker leading most ingest.sealed partitions for FREEZE_MS, then SIGCONT. Recovery: the longest submission. */
const freezeBroker: PlatformFault = {
  name: 'freeze-broker',
  async inject({ cluster, alerts, load, log }) {
    const broker = await cluster.busiestLeader(topics.ingestSealed.name);
    const frozenAt = Date.now();
    log(`SIGSTOP broker ${broker.id}`);
    cluster.signal(broker, 'SIGSTOP');
    const alert = alerts.raised(brokerDown, frozenAt, () => frozenAt + ALERT_WITHIN_MS);
    try {
      await sleep(FREEZE_MS);
    } finally {
      cluster.signal(broker, 'SIGCONT');
    }
    await cluster.waitForFullIsr(topics.ingestSealed.name, 120_000);
    return {
      fault: `SIGSTOP broker ${broker.id} for ${FREEZE_MS / 1000} s (most ingest.sealed leaders)`,
      recoveryMs: load.longestSince(frozenAt),
      alertRaised: await alert,
    };
  },
};

/**
 * kill -9 of two of the three brokers (no ISR of 2, no controller quorum): every submission needing Kafka must be
 * answered 503 with Retry-After within PROBE_BOUND_MS; then both start again. Recovery: from their start to the first
 * 202.
 */
const twoBrokersDown: PlatformFault = {
  name: 'two-brokers-down',
  async inject({ cluster, alerts, load, log }) {
    const victims = cluster.nodes.slice(1);
    const killedAt = Date.now();
    log(`kill -9 brokers ${victims.map((node) => node.id).join(', ')}`);
    await Promise.all(victims.map((node) => cluster.kill(node)));
    const alert = alerts.raised(
      (a) => a.kind === 'outage' && a.details?.state === 'down',
      killedAt,
      () => killedAt + ALERT_WITHIN_MS,
    );
    // Probes after the outage is certain: the first sends may still be in flight with a broker that just died.
    const answers: { status: number; retryAfter: string | null; ms: number }[] = [];
    while (Date.now() - killedAt < DOWN_MS + 10_000) answers.push(await load.probe());
    const restartAt = Date.now();
    await cluster.restart(victims[0]);
    const recoveryMs = await load.firstAcknowledgedAfter(restartAt, 180_000);
    await cluster.waitForFullIsr(topics.ingestSealed.name, 120_000);
    const slowest = Math.max(...answers.map((answer) => answer.ms));
    const unavailable = answers.filter((answer) => answer.status === 503 && Number(answer.retryAfter) > 0).length;
    log(
      `two brokers down: ${answers.length} probes, ${unavailable} answered 503 + Retry-After, slowest ${slowest} ms: ${JSON.stringify(answers.map((a) => a.status))}`,
    );
    if (unavailable !== answers.length || slowest > PROBE_BOUND_MS) {
      throw new Error(`two brokers down: ${answers.length - unavailable} of ${answers.length} probes not 503 + Retry-After, slowest ${slowest} ms`);
    }
    return {
      fault: `kill -9 brokers ${victims.map((node) => node.id).join('+')} (down ${((restartAt - killedAt) / 1000) | 0} s; ${answers.length} probes 503 + Retry-After, slowest ${slowest} ms)`,
      recoveryMs,
      alertRaised: await alert,
    };
  },
};

/**
 * kill -9 of `count` ledger replica servers, DOWN_MS down, started again (PostgreSQL recovers from its WAL).
 * One: commits go on at the majority (alert replica-unhealthy); two: the quorum is lost (alert quorum-lost) and the
 * writer resumes by itself. Recovery: from the servers' start to every replica in sync again.
 */
function killReplicas(count: 1 | 2): PlatformFault {
  return {
    name: `kill-${count}-replica${count > 1 ? 's' : ''}`,
    async inject({ platform, replicas, alerts, log }) {
      const victims = count === 1 ? replicas.slice(2) : replicas.slice(0, 2);
      const killedAt = Date.now();
      log(`kill -9 replica servers ${victims.map((replica) => replica.port).join(', ')}`);
      await Promise.all(victims.map((replica) => replica.kill()));
      const alert = alerts.raised(count === 1 ? replicaDown(victims[0]) : quorumLost, killedAt, () => killedAt + ALERT_WITHIN_MS);
      await sleep(DOWN_MS);
      const restartAt = Date.now();
      await Promise.all(victims.map((replica) => replica.start()));
      await replicasInSync(platform);
      return {
        fault: `kill -9 ${count} ledger replica${count > 1 ? 's' : ''} (down ${DOWN_MS / 1000} s)`,
        recoveryMs: Date.now() - restartAt,
        alertRaised: await alert,
      };
    },
  };
}

/** SIGSTOP of one replica server (every process of it) for FREEZE_MS. Recovery: from SIGCONT to in sync. */
const freezeReplica: PlatformFault = {
  name: 'freeze-replica',
  async inject({ platform, replicas, alerts, log }) {
    const victim = replicas[1];
    const frozenAt = Date.now();
    log(`SIGSTOP replica server ${victim.port}`);
    victim.signal('SIGSTOP');
    const alert = alerts.raised(replicaDown(victim), frozenAt, () => frozenAt + ALERT_WITHIN_MS);
    try {
      await sleep(FREEZE_MS);
    } finally {
      victim.signal('SIGCONT');
    }
    const thawedAt = Date.now();
    await replicasInSync(platform);
    return { fault: `SIGSTOP 1 ledger replica for ${FREEZE_MS / 1000} s`, recoveryMs: Date.now() - thawedAt, alertRaised: await alert };
  },
};

/** A second ledger instance (the standby), then kill -9 of the active writer. Recovery: the standby's first own block. */
const killActiveLedger: PlatformFault = {
  name: 'kill-active-ledger',
  async inject({ platform, alerts, log }) {
    const standby = await platform.startInstance('ledger');
    const active = await eventually(() => activeLedger(platform), { timeoutMs: 60_000, what: 'an active ledger' });
    await eventually(async () => ((await ledgerState(standby))?.writer === 'standby' ? true : undefined), { timeoutMs: 60_000, what: 'the standby' });
    const heightAtFault = await headHeight(standby);
    const killedAt = Date.now();
    log(`kill -9 active ledger ${instanceOf(active)} (standby ${instanceOf(standby)})`);
    await active.stop('SIGKILL');
    const alert = alerts.raised(serviceDown(instanceOf(active)), killedAt, () => killedAt + ALERT_WITHIN_MS);
    await eventually(async () => ((await ledgerState(standby))?.writer === 'active' && (await headHeight(standby)) > heightAtFault ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: 'the standby to take over',
    });
    const takeOverMs = Date.now() - killedAt;
    platform.services.set('ledger', standby);
    return {
      fault: 'kill -9 active ledger, standby running (recovery: take-over to its first block)',
      recoveryMs: takeOverMs,
      alertRaised: await alert,
      ...(takeOverMs > TAKE_OVER_WITHIN_MS && { unmet: `take-over ${takeOverMs} ms > ${TAKE_OVER_WITHIN_MS} ms` }),
    };
  },
};

/**
 * A second instance of the service, then kill -9 of the first; the survivor carries on alone (and its group
 * rebalances). Recovery: the longest submission since the kill, retried on the other ingestion instance.
 */
function killOneOfTwo(service: ServiceName): PlatformFault {
  return {
    name: `kill-one-of-two-${service}`,
    async inject({ platform, alerts, load, log }) {
      const survivor = await platform.startInstance(service);
      await sleep(STEADY_MS);
      const victim = platform.service(service);
      const killedAt = Date.now();
      log(`kill -9 ${instanceOf(victim)} (${instanceOf(survivor)} stays)`);
      await victim.stop('SIGKILL');
      platform.services.set(service, survivor);
      const alertRaised = await alerts.raised(serviceDown(instanceOf(victim)), killedAt, () => killedAt + ALERT_WITHIN_MS);
      return { fault: `kill -9 one of two ${service}`, recoveryMs: load.longestSince(killedAt), alertRaised };
    },
  };
}

/**
 * kill -9 of every process at once (services, brokers, replica servers: a power cut), then everything started again.
 * Recovery: from the kill to the first 202.
 */
const restartEverything: PlatformFault = {
  name: 'restart-everything',
  async inject({ platform, cluster, replicas, alerts, load, log }) {
    const victims = platform.instances();
    const killedAt = Date.now();
    log(`kill -9 of ${victims.length} services, ${cluster.nodes.length} brokers, ${replicas.length} replica servers`);
    await Promise.all([
      ...victims.map((service) => service.stop('SIGKILL')),
      ...cluster.nodes.map((node) => cluster.kill(node)),
      ...replicas.map((replica) => replica.kill()),
    ]);
    let readyAt = Number.POSITIVE_INFINITY;
    const ids = new Set(victims.map(instanceOf));
    const alert = alerts.raised(
      (a) => a.kind === 'outage' && a.details?.state === 'down' && ids.has(String(a.details?.instance)),
      killedAt,
      () => readyAt + ALERT_WITHIN_MS,
    );
    try {
      await Promise.all(replicas.map((replica) => replica.start()));
      await cluster.restart(cluster.nodes[0]);
      for (const service of platformServices) await platform.startInstance(service, { replace: true });
      readyAt = Date.now();
      log(`everything ready again after ${readyAt - killedAt} ms`);
      const recoveryMs = await load.firstAcknowledgedAfter(killedAt, 180_000);
      await cluster.waitForFullIsr(topics.ingestSealed.name, 120_000);
      return { fault: 'kill -9 of every process at once, all started again', recoveryMs, alertRaised: await alert };
    } finally {
      readyAt = Math.min(readyAt, Date.now());
    }
  },
};

const replicaDown = (replica: PrivatePostgres) => (alert: Alert) =>
  alert.kind === 'replica-unhealthy' && alert.details?.state !== 'recovered' && String(alert.details?.address).includes(`:${replica.port}/`);
const quorumLost = (alert: Alert) => alert.kind === 'quorum-lost' && alert.details?.state === 'lost';

interface LedgerState {
  writer: string;
  replicas: { replica: string; inSync: boolean; writerLock: boolean }[];
}

async function ledgerState(ledger: RunningService): Promise<LedgerState | undefined> {
  try {
    const response = await fetch(`${ledger.baseUrl}/v1/replicas`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? ((await response.json()) as LedgerState) : undefined;
  } catch {
    return undefined;
  }
}

async function headHeight(ledger: RunningService): Promise<number> {
  const response = await fetch(`${ledger.baseUrl}/v1/blocks/head`, { signal: AbortSignal.timeout(5_000) });
  return ((await response.json()) as { height?: number }).height ?? -1;
}

async function activeLedger(platform: PrivatePlatform): Promise<RunningService | undefined> {
  for (const ledger of platform.instances('ledger')) if ((await ledgerState(ledger))?.writer === 'active') return ledger;
  return undefined;
}

/** Until the active writer holds every replica in sync again. */
async function replicasInSync(platform: PrivatePlatform): Promise<void> {
  await eventually(
    async () => {
      const active = await activeLedger(platform);
      const state = active && (await ledgerState(active));
      return state?.replicas.every((replica) => replica.inSync && replica.writerLock) || undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: 'every ledger replica in sync' },
  );
}

export const platformFaults: PlatformFault[] = [
  ...(['encryption', 'ledger', 'governance', 'access-control', 'ingestion'] as const).map(killService),
  killBroker,
  freezeBroker,
  twoBrokersDown,
  killReplicas(1),
  killReplicas(2),
  freezeReplica,
  killActiveLedger,
  ...(['ingestion', 'encryption', 'access-control', 'governance'] as const).map(killOneOfTwo),
  rollingRestart,
  restartEverything,
];
