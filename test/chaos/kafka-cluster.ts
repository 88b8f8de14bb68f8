// A throwaway Kafka cluster started by infra/kafka/kafka.sh itself (KRaft, three combined nodes, so the script's
// replication factor 3 and min ISR 2 by default; or one node) on free ports in a temp folder, PLAINTEXT: for tests
// that kill, freeze and restart brokers.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import type { TopicSpec } from '@medshare/contracts';
import { createKafka } from '@medshare/messaging';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { waitForGroupCoordinator } from '../support/topic-reader';

const run = promisify(execFile);
/** The script starts the nodes detached (setsid): a test that dies must still not leave them behind. */
const running = new Set<KafkaTestCluster>();
process.once('exit', () => {
  for (const cluster of running) for (const node of cluster.nodes) signalQuietly(cluster.pidOf(node), 'SIGKILL');
});
/** test/chaos from the sources, dist/test/chaos when compiled: both sit under the repository root. */
const repoRoot = resolve(__dirname, __dirname.includes('/dist/') ? '../../..' : '../..');
const kafkaScript = resolve(repoRoot, 'infra/kafka/kafka.sh');

export interface ClusterNode {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
}

export interface ClusterOptions {
  /** 3 (the script's default) or 1. */
  nodes?: 1 | 3;
  /** JVM heap per node. */
  heap?: string;
  /** JIT tier 1 only: the nodes start in about half the CPU time, at lower peak throughput (benchmarks say false). */
  fastStart?: boolean;
}

export class KafkaTestCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: ClusterNode[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start({ nodes: count = 3, heap = '384m', fastStart = true }: ClusterOptions = {}): Promise<KafkaTestCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'medshare-kafka-cluster-'));
    // Above the private brokers' 29192-29391 (test/support/private-broker.ts). Node N: the pair at 2(N-1), as kafka.sh counts.
    const ports = await freePorts(29400, 29999, 2 * count);
    const nodes = Array.from({ length: count }, (_, index) => ({
      id: index + 1,
      port: ports[2 * index],
      controllerPort: ports[2 * index + 1],
      dir: count === 1 ? dir : join(dir, `node-${index + 1}`),
    }));
    const env = {
      ...process.env,
      KAFKA_NODES: String(count),
      KAFKA_PORT: String(ports[0]),
      KAFKA_CONTROLLER_PORT: String(ports[1]),
      KAFKA_DATA_DIR: dir,
      KAFKA_SECURITY: 'plaintext',
      KAFKA_HEAP: `-Xms128m -Xmx${heap}${fastStart ? ' -XX:TieredStopAtLevel=1' : ''}`,
    };
    const cluster = new KafkaTestCluster(dir, nodes, env);
    running.add(cluster);
    try {
      await cluster.script('start');
      await cluster.waitUntilReady();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get brokers(): string[] {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`);
  }

  kafka(clientId: string): Kafka {
    // The cluster's nodes listen PLAINTEXT, whatever mode the shared broker of the run uses.
    return createKafka({ brokers: this.brokers, clientId, security: { mode: 'plaintext' } });
  }

  /** Creates the topics at replication factor 3 (or the node count) with the given partition count. */
  async createTopics(specs: readonly TopicSpec[], partitions: number): Promise<void> {
    const admin = this.kafka(`cluster-admin-${process.pid}`).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        // The brokers' default.replication.factor, as the registry's topics get it (libs/messaging ensureTopics).
        topics: specs.map((spec) => ({ topic: spec.name, numPartitions: partitions })),
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** The node leading most partitions of the topic (ties: the lowest id). */
  async busiestLeader(topic: string): Promise<ClusterNode> {
    const admin = this.kafka(`cluster-admin-${process.pid}`).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const counts = new Map<number, number>();
      for (const partition of topics[0].partitions) counts.set(partition.leader, (counts.get(partition.leader) ?? 0) + 1);
      const [leader] = [...counts].sort(([a, countA], [b, countB]) => countB - countA || a - b)[0];
      return this.node(leader);
    } finally {
      await admin.disconnect();
    }
  }

  /** Resolves once every partition of the topic has all its replicas in sync again. */
  async waitForFullIsr(topic: string, timeoutMs = 60_000): Promise<void> {
    await eventually(
      // A client per try: right after a restart, the broker it picks may still refuse connections.
      async () => {
        const admin = this.kafka(`cluster-admin-${process.pid}`).admin();
        await admin.connect();
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          return topics[0].partitions.every((partition) => partition.isr.length === this.nodes.length) || undefined;
        } finally {
          await admin.disconnect();
        }
      },
      { timeoutMs, intervalMs: 500, what: `full ISR on ${topic}` },
    );
  }

  node(id: number): ClusterNode {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  signal(node: ClusterNode, signal: NodeJS.Signals): void {
    const pid = this.pidOf(node);
    if (pid === undefined) throw new Error(`node ${node.id} is not running`);
    process.kill(pid, signal);
  }

  /** The node's process id while it runs (kafka.sh's pid file), else undefined. */
  pidOf(node: ClusterNode): number | undefined {
    const file = join(node.dir, 'kafka.pid');
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
    // Only while that pid still is this node's broker: pids get reused.
    return Number.isInteger(pid) && isBroker(pid, node) ? pid : undefined;
  }

  async kill(node: ClusterNode): Promise<void> {
    const pid = this.pidOf(node);
    if (pid === undefined) return;
    process.kill(pid, 'SIGKILL');
    await eventually(() => !isBroker(pid, node) || undefined, { timeoutMs: 10_000, intervalMs: 50, what: `node ${node.id} gone` });
  }

  /** Starts a killed node again on its ports and data (kafka.sh start leaves the running ones alone). */
  async restart(node: ClusterNode): Promise<void> {
    await this.kill(node);
    await this.script('start');
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.kill(node)));
    running.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async script(command: 'start' | 'stop'): Promise<void> {
    await run('bash', [kafkaScript, command], { cwd: repoRoot, env: this.env, maxBuffer: 4 * 1024 * 1024 });
  }

  private async waitUntilReady(): Promise<void> {
    const kafka = this.kafka(`cluster-ready-${process.pid}`);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually(async () => (await admin.describeCluster()).brokers.length === this.nodes.length || undefined, {
        timeoutMs: 30_000,
        what: 'every broker registered',
      });
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'cluster-readiness', numPartitions: 1 }] });
    } finally {
      await admin.disconnect();
    }
    await waitForGroupCoordinator(kafka, 'cluster-readiness');
  }
}

/** The node's broker (its server.properties on the command line, as kafka.sh checks), alive and not a zombie. */
function isBroker(pid: number, node: ClusterNode): boolean {
  try {
    return (
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(node.dir, 'server.properties')) &&
      !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    );
  } catch {
    return false;
  }
}

function signalQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
