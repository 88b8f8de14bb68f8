// Ledger benchmark against the real broker and three real replicas: events/s committed (2 of 3) and
// publish→committed latency at 1k, 10k and 100k events, then the time to verify the whole ledger
// (every replica through a verification job of the API, and one replica through the auditor CLI).
// LEDGER_BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: node refuses it in NODE_OPTIONS)
// goes to the ledger process; LEDGER_BENCH_MAIN runs another build of it, to compare two in one sitting.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { topics } from '@medshare/contracts';
import { createKafka, toMessage } from '@medshare/messaging';
import { databaseUrl, dropDatabase, testEndpoints } from '../../support/endpoints';
import { permitDecision } from '../../support/events';
import { eventually } from '../../support/eventually';
import { runLedgerVerification } from '../../support/ledger-verifications';
import { startService } from '../../support/service-processes';
import { percentile, type BenchResult } from './bench-result';

const SIZES = (process.env.BENCH_LEDGER_SIZES ?? '1000,10000,100000').split(',').map(Number);
const BATCH = 1_000;
const PORT = 4110;
const TIME = '/usr/bin/time';
// Compiled to dist/test/bench/src: the auditor CLI is under the repository root.
const repoRoot = resolve(__dirname, '../../../..');

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
  const ledger = await startLedger(`ledger-bench-${id}`, {
    LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, database)).join(','),
    DATABASE_URL: databaseUrl(stateServer, `ledger_state_b${id}`),
    KAFKA_GROUP_ID: `ledger-bench-${id}`,
    LEDGER_START_FROM: new Date().toISOString(),
    LEDGER_VERIFY_INTERVAL_MS: '0',
    LOG_LEVEL: 'warn',
  });
  // Block headers as the ledger publishes them, with the time each arrived: the moment of commit.
  const committed: { at: number; offsets: Range[] }[] = [];
  const blocks = kafka.consumer({ groupId: `ledger-bench-blocks-${id}` });
  const producer = kafka.producer({ idempotent: true });
  const results: BenchResult[] = [];
  try {
    await blocks.connect();
    await blocks.subscribe({ topic: topics.ledgerBlocks.name, fromBeginning: false });
    const joined = new Promise<void>((resolveJoin) => blocks.on(blocks.events.GROUP_JOIN, () => resolveJoin()));
    await blocks.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value?.toString() ?? '{}') as { data?: { header?: { offsets: Range[] } } };
        if (event.data?.header) committed.push({ at: performance.now(), offsets: event.data.header.offsets });
      },
    });
    await joined;
    await producer.connect();

    for (const size of SIZES) results.push(await measureCommit(size, producer, committed, id, ledger.cpuSeconds));

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
async function measureCommit(
  size: number,
  producer: ReturnType<ReturnType<typeof createKafka>['producer']>,
  committed: { at: number; offsets: Range[] }[],
  id: string,
  ledgerCpuSeconds: () => number,
): Promise<BenchResult> {
  const topic = topics.accessDecisions;
  const cpuBefore = ledgerCpuSeconds();
  const sent: { partition: number; offset: bigint; at: number }[] = [];
  const started = performance.now();
  for (let from = 0; from < size; from += BATCH) {
    const count = Math.min(BATCH, size - from);
    // Explicit partitions, so each event's offset is known from the broker's base offsets.
    const messages = Array.from({ length: count }, (_, i) => ({ ...toMessage(topic, decision(`${id}-${size}-${from + i}`)), partition: i % topic.partitions }));
    const at = performance.now();
    const metadata = await producer.send({ topic: topic.name, acks: -1, messages });
    const counters = new Map<number, number>();
    for (const message of messages) {
      const base = metadata.find((entry) => entry.partition === message.partition);
      const k = counters.get(message.partition) ?? 0;
      counters.set(message.partition, k + 1);
      sent.push({ partition: message.partition, offset: BigInt(base?.baseOffset ?? '0') + BigInt(k), at });
    }
  }
  const highest = new Map<number, bigint>();
  for (const event of sent) if ((highest.get(event.partition) ?? -1n) < event.offset) highest.set(event.partition, event.offset);
  const covered = (partition: number, offset: bigint) => (block: { offsets: Range[] }) =>
    block.offsets.some((range) => range.topic === topic.name && range.partition === partition && BigInt(range.first) <= offset && offset <= BigInt(range.last));
  await eventually(() => [...highest].every(([partition, offset]) => committed.some(covered(partition, offset))) || undefined, {
    timeoutMs: 300_000,
    intervalMs: 200,
    what: `${size} events committed`,
  });
  // The ledger's own CPU per event: steadier than events/s on a shared, noisy machine.
  const cpuMicros = ((ledgerCpuSeconds() - cpuBefore) * 1e6) / size;
  const latencies = sent.map((event) => (committed.find(covered(event.partition, event.offset)) as { at: number }).at - event.at);
  const lastCommit = Math.max(...latencies.map((latency, i) => sent[i].at + latency));
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

function decision(key: string) {
  return permitDecision(key, `p-${'abcdefghijklmnopqrstuvwxyz234567'[key.length % 32].repeat(16)}`, 'bench');
}

/** The ledger as a process, with its CPU time readable so the bench can report CPU per event. */
async function startLedger(instance: string, env: Record<string, string>): Promise<{ baseUrl: string; stop(): Promise<unknown>; cpuSeconds(): number }> {
  const ledger = await startService('ledger', {
    port: PORT,
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
