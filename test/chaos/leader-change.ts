// Issue 16's scenario: numbered events through libs/messaging at a steady rate while the leader of most partitions
// is killed (-9) and later another leader is frozen (SIGSTOP), then every partition is read back to its high
// watermark. Nothing acknowledged may be missing and nothing may be there twice.
import { randomUUID } from 'node:crypto';
import { topics, type EventOf } from '@medshare/contracts';
import { EventPublisher, PublishTimeoutError } from '@medshare/messaging';
import { testAlert } from '../support/events';
import { readTopic } from '../support/topic-reader';
import type { KafkaTestCluster } from './kafka-cluster';

export interface LeaderChangeOptions {
  /** Events per second, sent as publish() calls of `batch` events each, several in flight. */
  rate: number;
  batch: number;
  warmupMs: number;
  /** How long to keep producing after the kill before the killed node is restarted. */
  afterKillMs: number;
  freezeMs: number;
  afterFreezeMs: number;
  log?: (line: string) => void;
}

export interface LeaderChangeReport {
  attempted: number;
  acknowledged: number;
  failed: number;
  missing: number[];
  duplicates: number[];
  /** Written although their publish failed: allowed (a failed publish is an unknown outcome). */
  writtenUnacknowledged: number;
  /** The longest a publish() took to resolve or reject. */
  longestStallMs: number;
  /** The longest of the publishes started while the killed leader was down, and while the other leader was frozen. */
  killStallMs: number;
  freezeStallMs: number;
  killedNode: number;
  frozenNode: number;
  /** How long a publish with a 1 s deadline took while a leader was frozen, and whether it timed out. */
  boundedPublish: { elapsedMs: number; outcome: 'acknowledged' | 'timed out' | 'failed' };
}

export const chaosTopic = topics.governanceAlerts;
/** Institution keys spread the events over every partition. */
const KEYS = 60;
const MAX_IN_FLIGHT = 100;

export async function runLeaderChange(cluster: KafkaTestCluster, options: LeaderChangeOptions): Promise<LeaderChangeReport> {
  const log = options.log ?? (() => undefined);
  await cluster.createTopics([chaosTopic], 6);
  const kafka = cluster.kafka(`chaos-producer-${randomUUID()}`);
  const publisher = new EventPublisher(kafka);
  await publisher.connect();
  const run = randomUUID().slice(0, 8);
  const numberOf = new Map<string, number>();
  const acknowledged = new Set<number>();
  let attempted = 0;
  let failed = 0;
  let longestStallMs = 0;
  let phase: 'steady' | 'killed' | 'frozen' = 'steady';
  const stallIn = { steady: 0, killed: 0, frozen: 0 };
  const inFlight = new Set<Promise<void>>();

  const eventOf = (n: number): EventOf<'governance.alert.v1'> => {
    const event = testAlert(`${run} ${n}`, { source: 'chaos', institution: `hosp-${n % KEYS}` });
    numberOf.set(event.id, n);
    return event;
  };

  let producing = true;
  const producer = (async () => {
    const intervalMs = (1000 * options.batch) / options.rate;
    while (producing) {
      const tick = performance.now();
      // Services publish from many requests at once, but not without bound: past the cap, wait like a full pool would.
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const numbers = Array.from({ length: options.batch }, () => attempted++);
      const started = performance.now();
      const startedIn = phase;
      const publishing = publisher
        .publish(chaosTopic, numbers.map(eventOf))
        .then(
          () => numbers.forEach((n) => acknowledged.add(n)),
          () => {
            failed += numbers.length;
          },
        )
        .finally(() => {
          const stall = performance.now() - started;
          longestStallMs = Math.max(longestStallMs, stall);
          stallIn[startedIn] = Math.max(stallIn[startedIn], stall);
          inFlight.delete(publishing);
        });
      inFlight.add(publishing);
      await sleep(Math.max(0, intervalMs - (performance.now() - tick)));
    }
  })();

  try {
    await sleep(options.warmupMs);
    const killed = await cluster.busiestLeader(chaosTopic.name);
    log(`kill -9 node ${killed.id} (leads most partitions) after ${attempted} events`);
    await cluster.kill(killed);
    phase = 'killed';
    await sleep(options.afterKillMs);
    phase = 'steady';
    log(`restart node ${killed.id}; ${acknowledged.size} acknowledged so far`);
    await cluster.restart(killed);
    await cluster.waitForFullIsr(chaosTopic.name);

    const frozen = await cluster.busiestLeader(chaosTopic.name);
    log(`SIGSTOP node ${frozen.id} for ${options.freezeMs} ms`);
    cluster.signal(frozen, 'SIGSTOP');
    phase = 'frozen';
    let boundedPublish: LeaderChangeReport['boundedPublish'];
    try {
      await sleep(500);
      boundedPublish = await publishWithDeadline(publisher, eventOf(-1));
      await sleep(options.freezeMs - 500);
    } finally {
      cluster.signal(frozen, 'SIGCONT');
      phase = 'steady';
    }
    log(`SIGCONT node ${frozen.id}`);
    await sleep(options.afterFreezeMs);
    producing = false;
    await producer;
    await Promise.all([...inFlight]);
    log(`stopped producing: ${attempted} attempted, ${acknowledged.size} acknowledged, ${failed} failed, longest stall ${Math.round(longestStallMs)} ms`);

    // read_committed (kafkajs' default), from the beginning to the high watermarks.
    const seen = new Map<number, number>();
    for (const { value } of await readTopic(kafka, chaosTopic.name, { timeoutMs: 60_000 })) {
      const n = numberOf.get((JSON.parse(value?.toString() ?? '{}') as { id?: string }).id ?? '');
      if (n !== undefined) seen.set(n, (seen.get(n) ?? 0) + 1);
    }
    return {
      attempted,
      acknowledged: acknowledged.size,
      failed,
      missing: [...acknowledged].filter((n) => !seen.has(n)).sort((a, b) => a - b),
      duplicates: [...seen].filter(([, count]) => count > 1).map(([n]) => n),
      writtenUnacknowledged: [...seen.keys()].filter((n) => n >= 0 && !acknowledged.has(n)).length,
      longestStallMs: Math.round(longestStallMs),
      killStallMs: Math.round(stallIn.killed),
      freezeStallMs: Math.round(stallIn.frozen),
      killedNode: killed.id,
      frozenNode: frozen.id,
      boundedPublish,
    };
  } finally {
    producing = false;
    await producer;
    await Promise.allSettled([...inFlight]);
    await publisher.disconnect();
  }
}

async function publishWithDeadline(publisher: EventPublisher, event: EventOf<'governance.alert.v1'>): Promise<LeaderChangeReport['boundedPublish']> {
  const started = performance.now();
  try {
    await publisher.publish(chaosTopic, [event], { deadlineMs: 1000 });
    return { elapsedMs: Math.round(performance.now() - started), outcome: 'acknowledged' };
  } catch (error) {
    return { elapsedMs: Math.round(performance.now() - started), outcome: error instanceof PublishTimeoutError ? 'timed out' : 'failed' };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
