// A throwaway three-node Kafka cluster (KRaft, each node broker + controller, RF 3, min ISR 2) on free ports in
// a temp folder, with the jars infra/kafka resolves: for tests that kill, freeze and restart brokers.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
/** A test that dies must not leave brokers behind: they are children of this process. */
const running = new Set<ClusterNode>();
process.once('exit', () => {
  for (const node of running) node.process?.kill('SIGKILL');
});
/** test/chaos from the sources, dist/test/chaos when compiled: both sit under the repository root. */
const repoRoot = resolve(__dirname, __dirname.includes('/dist/') ? '../../..' : '../..');
const kafkaScript = resolve(repoRoot, 'infra/kafka/kafka.sh');

export interface ClusterNode {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
  process?: ChildProcess;
}

export interface ClusterOptions {
  nodes?: number;
  /** JVM heap per node. */
  heap?: string;
  /** JIT tier 1 only: the nodes start in about half the CPU time, at lower peak throughput (benchmarks say false). */
  fastStart?: boolean;
}

export class KafkaTestCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: ClusterNode[],
    private readonly lib: string,
    private readonly jvmFlags: string[],
  ) {}

  static async start({ nodes: count = 3, heap = '384m', fastStart = true }: ClusterOptions = {}): Promise<KafkaTestCluster> {
    const lib = (await run('bash', [kafkaScript, 'lib'], { cwd: repoRoot })).stdout.trim();
    const dir = mkdtempSync(join(tmpdir(), 'medshare-kafka-cluster-'));
    // Above the private brokers' 29192-29391 (test/support/private-broker.ts).
    const ports = await freePorts(29400, 29999, 2 * count);
    const nodes = Array.from({ length: count }, (_, index) => ({
      id: index + 1,
      port: ports[2 * index],
      controllerPort: ports[2 * index + 1],
      dir: join(dir, `node-${index + 1}`),
    }));
    const jvmFlags = ['-Xms128m', `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', ...(fastStart ? ['-XX:TieredStopAtLevel=1'] : [])];
    const cluster = new KafkaTestCluster(dir, nodes, lib, jvmFlags);
    // Kafka's cluster id is a UUID in unpadded URL-safe base64 (it may start with '-': passed as --cluster-id=).
    const clusterId = randomBytes(16).toString('base64url');
    try {
      await Promise.all(nodes.map((node) => cluster.format(node, clusterId)));
      for (const node of nodes) cluster.launch(node);
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
        topics: specs.map((spec) => ({ topic: spec.name, numPartitions: partitions, replicationFactor: Math.min(3, this.nodes.length) })),
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
    const admin = this.kafka(`cluster-admin-${process.pid}`).admin();
    await admin.connect();
    try {
      await eventually(
        async () => {
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          return topics[0].partitions.every((partition) => partition.isr.length === this.nodes.length) || undefined;
        },
        { timeoutMs, intervalMs: 500, what: `full ISR on ${topic}` },
      );
    } finally {
      await admin.disconnect();
    }
  }

  node(id: number): ClusterNode {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  signal(node: ClusterNode, signal: NodeJS.Signals): void {
    if (!node.process?.pid) throw new Error(`node ${node.id} is not running`);
    process.kill(node.process.pid, signal);
  }

  async kill(node: ClusterNode): Promise<void> {
    const child = node.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    child.kill('SIGKILL');
    await exited;
    node.process = undefined;
  }

  /** Starts a stopped node again on its ports and data. */
  async restart(node: ClusterNode): Promise<void> {
    await this.kill(node);
    this.launch(node);
    await eventually(() => this.startedSinceLaunch(node) || undefined, { timeoutMs: 60_000, intervalMs: 200, what: `node ${node.id} started` });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.kill(node)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async format(node: ClusterNode, clusterId: string): Promise<void> {
    mkdirSync(node.dir, { recursive: true });
    writeFileSync(join(node.dir, 'server.properties'), this.properties(node));
    // The shared broker's logging, from the script that starts it.
    writeFileSync(join(node.dir, 'log4j2.properties'), (await run('bash', [kafkaScript, 'log4j', join(node.dir, 'server.log')], { cwd: repoRoot })).stdout);
    await run('java', [
      '-Xmx256m',
      '-cp',
      `${this.lib}/*`,
      `-Dlog4j2.configurationFile=${join(node.dir, 'log4j2.properties')}`,
      'kafka.tools.StorageTool',
      'format',
      `--cluster-id=${clusterId}`,
      '-c',
      join(node.dir, 'server.properties'),
    ]);
  }

  private launch(node: ClusterNode): void {
    const out = openSync(join(node.dir, 'kafka.out'), 'a');
    writeFileSync(join(node.dir, 'server.log'), '');
    node.process = spawn(
      'java',
      [
        ...this.jvmFlags,
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(node.dir, 'log4j2.properties')}`,
        '-cp',
        `${this.lib}/*`,
        'kafka.Kafka',
        join(node.dir, 'server.properties'),
      ],
      { stdio: ['ignore', out, out] },
    );
    closeSync(out);
    running.add(node);
    node.process.once('exit', () => running.delete(node));
  }

  private startedSinceLaunch(node: ClusterNode): boolean {
    if (node.process?.exitCode !== null && node.process?.exitCode !== undefined) throw new Error(`node ${node.id} exited during start; see ${node.dir}`);
    return readFileSync(join(node.dir, 'server.log'), 'utf8').includes('Kafka Server started');
  }

  private async waitUntilReady(): Promise<void> {
    await eventually(() => this.nodes.every((node) => this.startedSinceLaunch(node)) || undefined, {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: 'three Kafka nodes started',
    });
    const kafka = this.kafka(`cluster-ready-${process.pid}`);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually(async () => (await admin.describeCluster()).brokers.length === this.nodes.length || undefined, {
        timeoutMs: 30_000,
        what: 'every broker registered',
      });
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: 'cluster-readiness', numPartitions: 1, replicationFactor: Math.min(3, this.nodes.length) }],
      });
    } finally {
      await admin.disconnect();
    }
    await waitForGroupCoordinator(kafka, 'cluster-readiness');
  }

  private properties(node: ClusterNode): string {
    const voters = this.nodes.map((other) => `${other.id}@127.0.0.1:${other.controllerPort}`).join(',');
    const replicas = Math.min(3, this.nodes.length);
    const minIsr = Math.min(2, replicas);
    return `process.roles=broker,controller
node.id=${node.id}
controller.quorum.voters=${voters}
listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=${join(node.dir, 'logs')}
default.replication.factor=${replicas}
min.insync.replicas=${minIsr}
offsets.topic.replication.factor=${replicas}
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=${replicas}
transaction.state.log.min.isr=${minIsr}
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=${replicas}
share.coordinator.state.topic.min.isr=${minIsr}
share.coordinator.state.topic.num.partitions=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=4194304
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
`;
  }
}
