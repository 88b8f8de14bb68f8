// Ledger benchmark against the real broker and three real replicas: events/s committed (2 of 3) and
// publish→committed latency at 1k, 10k and 100k events, then the time to verify the whole ledger
// (every replica through a verification job of the API, and one replica through the auditor CLI).
// LEDGER_BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: node refuses it in NODE_OPTIONS)
// goes to the ledger process; LEDGER_BENCH_MAIN runs another build of it, to compare two in one sitting;
// BENCH_LEDGER_VERIFY=0 leaves verification out (profiles of the commit path alone); BLOCK_MAX_EVENTS and
// BLOCK_MAX_AGE_MS, when set, go to the ledger.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { topics } from '@medshare/contracts';
import type { RecordMetadata } from 'kafkajs';
import { createKafka, toMessage } from '@medshare/messaging';
import { databaseUrl, dropDatabase, testEndpoints } from '../../support/endpoints';
import { permitDecision } from '../../support/events';
import { eventually } from '../../support/eventually';
import { runLedgerVerification } from '../../support/ledger-verifications';
import { freePorts } from '../../support/ports';
import { startService } from '../../support/service-processes';
import { percentile, type BenchResult } from './bench-result';

const SIZES = (process.env.BENCH_LEDGER_SIZES ?? '1000,10000,100000').split(',').map(Number);
// `--rate F` (BENCH_RATE): after the runs above, offer F x the measured maximum evenly for BENCH_LEDGER_STEADY_S seconds.
const STEADY_FRACTION = process.env.BENCH_RATE === undefined ? undefined : Number(process.env.BENCH_RATE);
const STEADY_SECONDS = Number(process.env.BENCH_LEDGER_STEADY_S ?? 10);
// Ticks of the steady producer: each sends the events that came due since the last one.
const STEADY_TICK_MS = 5;
const BLOCK_CUT = ['BLOCK_MAX_EVENTS', 'BLOCK_MAX_AGE_MS'];
const BATCH = 1_000;
const TIME = '/usr/bin/time';
// Compiled to dist/test/bench/src: the auditor CLI is under the repository root.
const repoRoot = resolve(__dirname, '../../../..');

type Producer = ReturnType<ReturnType<typeof createKafka>['producer']>;

/** A block header as it arrived on the blocks topic: the moment its events were committed. */
interface Committed {
  at: number;
  /** The header's `time` (the ledger's clock when it sealed the block), on the bench's clock. */
  sealedAt: number;
  offsets: Range[];
}

interface Range {
  topic: string;
  partition: number;
  first: string;
  last: string;
}

export async function run(): Promise<BenchResult[]> {
  const id = randomUUID().replace(/-/g, '').slice(0, 8);
  const database = `ledger_b${id}`;
  const { kafkaBrokers, ledgerServers, stateServer } = testEndpoints();
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: `ledger-bench-${id}` });
  const origin = `medshare.example/ledger-bench-${id}`;
  const ledger = await startLedger(`ledger-bench-${id}`, {
    LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, database)).join(','),
    DATABASE_URL: databaseUrl(stateServer, `ledger_state_b${id}`),
    KAFKA_GROUP_ID: `ledger-bench-${id}`,
    LEDGER_START_FROM: new Date().toISOString(),
    // Other ledgers (other checkouts' tests) read the same topics and publish on the same blocks topic: this one's
    // headers are told apart by their checkpoint's origin line.
    LEDGER_ORIGIN: origin,
    LEDGER_VERIFY_INTERVAL_MS: '0',
    LOG_LEVEL: 'warn',
    // The block cut, when set for the bench (to try other cuts than the defaults).
    ...Object.fromEntries(BLOCK_CUT.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name] as string]]))),
  });
  // Block headers as the ledger publishes them, with the time each arrived: the moment of commit.
  const committed: Committed[] = [];
  const blocks = kafka.consumer({ groupId: `ledger-bench-blocks-${id}` });
  const producer = kafka.producer({ idempotent: true });
  const results: BenchResult[] = [];
  try {
    await blocks.connect();
    await blocks.subscribe({ topic: topics.ledgerBlocks.name, fromBeginning: false });
    const joined = new Promise<void>((resolveJoin) => blocks.on(blocks.events.GROUP_JOIN, () => resolveJoin()));
    await blocks.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value?.toString() ?? '{}') as { data?: { header?: { offsets: Range[]; time: string }; checkpoint?: string } };
        const header = event.data?.header;
        if (header && event.data?.checkpoint?.startsWith(`${origin}\n`))
          committed.push({ at: performance.now(), sealedAt: Date.parse(header.time) - performance.timeOrigin, offsets: header.offsets });
      },
    });
    await joined;
    await producer.connect();

    for (const size of SIZES) results.push(await measureCommit(size, producer, committed, id, ledger.cpuSeconds));
    if (STEADY_FRACTION !== undefined) {
      // The largest run measured the maximum (the others include more start-up): offer a fraction of it, evenly.
      const maximum = results[results.length - 1].eventsPerSecond as number;
      results.push(await measureSteady(STEADY_FRACTION, maximum, producer, committed, id, ledger.cpuSeconds));
    }
    if (process.env.BENCH_LEDGER_VERIFY === '0') return results;

    const cpuBefore = ledger.cpuSeconds();
    const report = await runLedgerVerification(ledger.baseUrl);
    const treeSize = ((await (await fetch(`${ledger.baseUrl}/v1/blocks/head`)).json()) as { treeSize: number }).treeSize;
    results.push({
      name: 'verify 3 replicas (POST /v1/verifications)',
      events: treeSize,
      eventsPerSecond: (3 * treeSize) / (report.durationMs / 1000),
      ceiling: 'sha256-leaf',
      notes: `${report.durationMs} ms for ${treeSize} events x 3 replicas, ok=${report.ok}; ledger CPU ${(((ledger.cpuSeconds() - cpuBefore) * 1e6) / (3 * treeSize)).toFixed(2)} µs/leaf`,
    });

    const publicKey = await (await fetch(`${ledger.baseUrl}/v1/public-key`)).text();
    const cli = resolve(repoRoot, 'tools/verify/bin/medshare-verify.js');
    const started = performance.now();
    // Under /usr/bin/time where there is one: the CLI's CPU per leaf is steadier than its wall time on a busy machine.
    const timed = existsSync(TIME) ? [TIME, '-f', 'cpu %U %S'] : [];
    const { stderr } = await promisify(execFile)(
      timed[0] ?? process.execPath,
      [
        ...timed.slice(1),
        ...(timed.length > 0 ? [process.execPath] : []),
        cli,
        'replica',
        '--url',
        databaseUrl(ledgerServers[0], database),
        '--public-key',
        publicKey,
      ],
      { maxBuffer: 1 << 20 },
    );
    const cliMs = performance.now() - started;
    const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
    results.push({
      name: 'verify 1 replica (medshare-verify replica)',
      events: treeSize,
      eventsPerSecond: treeSize / (cliMs / 1000),
      ceiling: 'sha256-leaf',
      notes: `${Math.round(cliMs)} ms including process start${cpu ? `; CLI CPU ${(((Number(cpu[1]) + Number(cpu[2])) * 1e6) / treeSize).toFixed(2)} µs/leaf` : ''}`,
    });
  } finally {
    await producer.disconnect().catch(() => undefined);
    await blocks.disconnect().catch(() => undefined);
    await ledger.stop();
    for (const server of ledgerServers) await dropDatabase(server, database);
    await dropDatabase(stateServer, `ledger_state_b${id}`);
  }
  return results;
}

/** Publishes `size` events as fast as the producer goes and times each until the block holding it is published. */
async function measureCommit(size: number, producer: Producer, committed: Committed[], id: string, ledgerCpuSeconds: () => number): Promise<BenchResult> {
  const topic = topics.accessDecisions;
  const cpuBefore = ledgerCpuSeconds();
  const sent: Sent[] = [];
  const all = decisionMessages(`${id}-${size}`, size);
  const started = performance.now();
  for (let from = 0; from < size; from += BATCH) {
    const messages = all.slice(from, from + BATCH);
    const at = performance.now();
    record(
      sent,
      messages,
      await producer.send({ topic: topic.name, acks: -1, messages }),
      messages.map(() => at),
    );
  }
  const { latencies, lastCommit } = await latenciesOf(sent, committed, `${size} events committed`);
  // The ledger's own CPU per event: steadier than events/s on a shared, noisy machine.
  const cpuMicros = ((ledgerCpuSeconds() - cpuBefore) * 1e6) / size;
  return {
    name: `commit ${size} events to 3 replicas`,
    events: size,
    eventsPerSecond: size / ((lastCommit - started) / 1000),
    ceiling: 'copy-2of3',
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    notes: `ledger CPU ${cpuMicros.toFixed(1)} µs/event; publish→block header on ledger.blocks; produced as fast as one producer goes, so latency includes the backlog`,
  };
}

/**
 * Offers `fraction` x `maximum` events/s evenly for STEADY_SECONDS (a send every STEADY_TICK_MS of the events due by
 * then) and times each event from the moment it was due, not from when the producer got to it: a producer or ledger
 * that falls behind shows as latency instead of lowering the offered rate.
 */
async function measureSteady(
  fraction: number,
  maximum: number,
  producer: Producer,
  committed: Committed[],
  id: string,
  ledgerCpuSeconds: () => number,
): Promise<BenchResult> {
  const topic = topics.accessDecisions;
  const rate = fraction * maximum;
  const total = Math.round(rate * STEADY_SECONDS);
  const cpuBefore = ledgerCpuSeconds();
  const sent: Sent[] = [];
  const all = decisionMessages(`${id}-steady`, total);
  const started = performance.now();
  for (let next = 0; next < total;) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    if (due > next) {
      const messages = all.slice(next, due);
      const dueAt = messages.map((_, i) => started + ((next + i) * 1000) / rate);
      record(sent, messages, await producer.send({ topic: topic.name, acks: -1, messages }), dueAt);
      next = due;
    }
    await new Promise((resolveTick) => setTimeout(resolveTick, STEADY_TICK_MS));
  }
  const { latencies, untilSealed, lastCommit } = await latenciesOf(sent, committed, `${total} steady events committed`);
  const cpuMicros = ((ledgerCpuSeconds() - cpuBefore) * 1e6) / total;
  return {
    name: `steady ${fraction} of max for ${STEADY_SECONDS} s`,
    events: total,
    eventsPerSecond: total / ((lastCommit - started) / 1000),
    ceiling: 'copy-2of3',
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    notes: `offered ${Math.round(rate)} ev/s (${fraction} x ${Math.round(maximum)}); ledger CPU ${cpuMicros.toFixed(1)} µs/event; due→block header on ledger.blocks, of it due→sealed p50 ${percentile(untilSealed, 50).toFixed(1)} / p99 ${percentile(untilSealed, 99).toFixed(1)} ms`,
  };
}

interface Sent {
  partition: number;
  offset: bigint;
  at: number;
}

/** Each message's offset from the broker's base offset of its partition in this send. */
function record(sent: Sent[], messages: readonly { partition: number }[], metadata: RecordMetadata[], at: readonly number[]): void {
  const counters = new Map<number, number>();
  messages.forEach((message, i) => {
    const base = metadata.find((entry) => entry.partition === message.partition);
    const k = counters.get(message.partition) ?? 0;
    counters.set(message.partition, k + 1);
    sent.push({ partition: message.partition, offset: BigInt(base?.baseOffset ?? '0') + BigInt(k), at: at[i] });
  });
}

/** Waits until a published block header covers every sent event; each event's latency ends at that header's arrival. */
async function latenciesOf(
  sent: readonly Sent[],
  committed: readonly Committed[],
  what: string,
): Promise<{ latencies: number[]; untilSealed: number[]; lastCommit: number }> {
  const topic = topics.accessDecisions.name;
  const highest = new Map<number, bigint>();
  for (const event of sent) if ((highest.get(event.partition) ?? -1n) < event.offset) highest.set(event.partition, event.offset);
  const covered = (partition: number, offset: bigint) => (block: Committed) =>
    block.offsets.some((range) => range.topic === topic && range.partition === partition && BigInt(range.first) <= offset && offset <= BigInt(range.last));
  await eventually(() => [...highest].every(([partition, offset]) => committed.some(covered(partition, offset))) || undefined, {
    timeoutMs: 300_000,
    intervalMs: 200,
    what,
  });
  const blocks = sent.map((event) => committed.find(covered(event.partition, event.offset)) as Committed);
  const latencies = blocks.map((block, i) => block.at - sent[i].at);
  const untilSealed = blocks.map((block, i) => block.sealedAt - sent[i].at);
  return { latencies, untilSealed, lastCommit: Math.max(...blocks.map((block) => block.at)) };
}

/**
 * Access decisions as messages, built before the clock starts (encoding and validating them is the producer's CPU, which
 * competed with the ledger's for the same two cores); explicit partitions, so each event's offset is known from the
 * broker's base offsets.
 */
function decisionMessages(prefix: string, count: number) {
  const topic = topics.accessDecisions;
  return Array.from({ length: count }, (_, i) => ({ ...toMessage(topic, decision(`${prefix}-${i}`)), partition: i % topic.partitions }));
}

function decision(key: string) {
  return permitDecision(key, `p-${'abcdefghijklmnopqrstuvwxyz234567'[key.length % 32].repeat(16)}`, 'bench');
}

/** The ledger as a process, with its CPU time readable so the bench can report CPU per event. */
async function startLedger(instance: string, env: Record<string, string>): Promise<{ baseUrl: string; stop(): Promise<unknown>; cpuSeconds(): number }> {
  const ledger = await startService('ledger', {
    // A free port: other checkouts run this bench on the same machine.
    port: (await freePorts(4110, 4190, 1))[0],
    instance,
    env,
    nodeArgs: (process.env.LEDGER_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ...(process.env.LEDGER_BENCH_MAIN === undefined ? {} : { main: process.env.LEDGER_BENCH_MAIN }),
  });
  // utime + stime of the ledger process (Linux /proc, in clock ticks of 1/100 s).
  const cpuSeconds = () => {
    const fields = readFileSync(`/proc/${ledger.process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  return { baseUrl: ledger.baseUrl, stop: () => ledger.stop(), cpuSeconds };
}
