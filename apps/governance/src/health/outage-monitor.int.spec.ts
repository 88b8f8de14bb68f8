// Outage alerts under broker faults (issue 14), on a three-node cluster of the spec's own (RF 3, min ISR 2) with
// heartbeats every second and a 4 s silence: a leader kill raises one broker alert and no false service outage
// while a service that really died is still alerted; two brokers down raise one alert each (and start-up waits for
// Kafka instead of failing); a restarted governance alerts what died while no governance listened, its predecessor too.
import { randomBytes } from 'node:crypto';
import { Kafka as KafkaClient, logLevel, type Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { envelope, healthTopic, topics, type EventData } from '@medshare/contracts';
import { ConsumerHost, EventPublisher, ensureTopics } from '@medshare/messaging';
import { createLogger, openDatabase } from '@medshare/service-kit';
import { KafkaTestCluster, type ClusterNode } from '../../../../test/chaos/kafka-cluster';
import { databaseUrl, dropDatabase, testEndpoints } from '../../../../test/support/endpoints';
import { eventually } from '../../../../test/support/eventually';
import { AlertRaiser } from '../alerts/alert-raiser';
import { AlertsRepository } from '../alerts/alerts.repository';
import { loadGovernanceConfig, type GovernanceConfig } from '../config';
import { rewindAtStart, rewindGroup } from '../consumption/window-rebuild';
import { migrations } from '../migrations';
import { OutboxRepository } from '../outbox/outbox.repository';
import { OutageMonitor } from './outage-monitor';

const run = randomBytes(4).toString('hex');
const databaseName = `governance_outage_${run}`;
const log = createLogger('outage-int', 'silent');
type Service = EventData<'platform.heartbeat.v1'>['service'];

describe('outage alerts under broker faults', () => {
  let cluster: KafkaTestCluster;
  let kafka: Kafka;
  let publisher: EventPublisher;
  let dataSource: DataSource;
  let config: GovernanceConfig;
  const senders = new Map<string, NodeJS.Timeout>();
  const monitors: { monitor: OutageMonitor; host: ConsumerHost }[] = [];

  /** An instance that sends a heartbeat every second until `silence(instance)` (a kill: no goodbye). */
  const beat = (service: Service, instance: string) => {
    const send = () =>
      void publisher
        .publish(healthTopic, [envelope('platform.heartbeat.v1', service, { service, instance, state: 'up', intervalMs: 1000 })], { deadlineMs: 1000 })
        .catch(() => undefined);
    send();
    senders.set(instance, setInterval(send, 1000));
  };
  const silence = (instance: string) => clearInterval(senders.get(instance));

  const startMonitor = async (client = kafka) => {
    const host = new ConsumerHost(client, publisher);
    const monitor = new OutageMonitor(
      client,
      config,
      log,
      new AlertRaiser(new AlertsRepository(dataSource), new OutboxRepository(dataSource), publisher, log),
      host,
    );
    monitors.push({ monitor, host });
    await monitor.start();
    return monitor;
  };
  /** Stops like a kill -9 as far as the others can tell: no goodbye, and its group member gone. */
  const stopMonitor = async () => {
    const { monitor, host } = monitors.shift()!;
    await monitor.beforeApplicationShutdown();
    await host.stop();
  };

  /** Every outage alert claimed (the outbox holds it until Kafka takes it), oldest first. */
  const outages = async (): Promise<{ component: string; name: string; state: string }[]> =>
    (await dataSource.query(`SELECT event->'data'->'details' AS details FROM outbox WHERE event->'data'->>'kind' = 'outage' ORDER BY created_at, id`)).map(
      ({ details }: { details: { component: string; name: string; state: string } }) => ({
        component: details.component,
        name: details.name,
        state: details.state,
      }),
    );
  const services = async () => (await outages()).filter(({ component }) => component === 'service');
  const brokerNames = (nodes: readonly ClusterNode[]) => nodes.map((node) => `127.0.0.1:${node.port}`);

  beforeAll(async () => {
    cluster = await KafkaTestCluster.start();
    kafka = cluster.kafka(`outage-int-${run}`);
    await ensureTopics(kafka, [healthTopic, topics.governanceAlerts]);
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    const { stateServer } = testEndpoints();
    config = loadGovernanceConfig({
      KAFKA_BROKERS: cluster.brokers.join(','),
      DATABASE_URL: databaseUrl(stateServer, databaseName),
      KAFKA_GROUP_ID: `governance-${run}`,
      HEALTH_SILENCE_MS: '4000',
    });
    dataSource = await openDatabase({ url: config.DATABASE_URL, entities: [], migrations });
    for (const [service, instance] of [
      ['ledger', 'a'],
      ['encryption', 'b'],
      ['access-control', 'c'],
      ['governance', 'g1'],
    ] as const)
      beat(service, instance);
    await startMonitor();
    // Three JVMs starting on a loaded machine: up to ~2 min.
  }, 180_000);

  afterAll(async () => {
    for (const timer of senders.values()) clearInterval(timer);
    while (monitors.length > 0) await stopMonitor().catch(() => undefined);
    await publisher?.disconnect();
    await dataSource?.destroy();
    await cluster?.stop();
    await dropDatabase(testEndpoints().stateServer, databaseName);
  });

  it('raises one broker alert for a killed leader, no false service outage while the leader moves, and still the service that died', async () => {
    // Every instance heard a few times first.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const leader = await cluster.busiestLeader(healthTopic.name);
    silence('c');
    await cluster.kill(leader);
    await eventually(async () => (await services()).some(({ name }) => name === 'access-control/c') || undefined, {
      timeoutMs: 45_000,
      intervalMs: 500,
      what: 'the dead service alerted',
    });
    const raised = await outages();
    expect(raised.filter(({ component }) => component === 'service')).toEqual([{ component: 'service', name: 'access-control/c', state: 'down' }]);
    expect(raised).toContainEqual({ component: 'broker', name: brokerNames([leader])[0], state: 'down' });
    // A bus alert only if this process's own consumer stalled longer than the silence (a loaded machine): one at most.
    expect(raised.filter(({ component, state }) => component === 'bus' && state === 'down').length).toBeLessThanOrEqual(1);
    await cluster.restart(leader);
    await eventually(async () => (await outages()).some(({ state, component }) => component === 'broker' && state === 'recovered') || undefined, {
      timeoutMs: 30_000,
      what: 'the broker recovered',
    });
  }, 120_000);

  it('raises a broker alert for each of two brokers down, clears them when they return, and starts up once Kafka answers instead of failing', async () => {
    await cluster.waitForFullIsr(healthTopic.name, 120_000);
    const before = (await outages()).length;
    // The health partition's leader among the two: no controller majority is left to move it.
    const leader = await cluster.busiestLeader(healthTopic.name);
    const down = [leader, cluster.nodes.find((node) => node.id !== leader.id)!];
    await Promise.all(down.map((node) => cluster.kill(node)));
    const downAlerts = brokerNames(down).map((name) => ({ component: 'broker', name, state: 'down' }));
    await eventually(
      async () => (await outages()).slice(before).filter(({ component, state }) => component === 'broker' && state === 'down').length >= 2 || undefined,
      {
        timeoutMs: 15_000,
        what: 'two broker alerts',
      },
    );
    expect((await outages()).slice(before)).toEqual(expect.arrayContaining(downAlerts));

    // A client that gives up after one retry, as every kafkajs client does after its last: ListOffsets fails...
    const impatient = new KafkaClient({
      brokers: cluster.brokers,
      clientId: `impatient-${run}`,
      retry: { retries: 1 },
      connectionTimeout: 1000,
      requestTimeout: 2000,
      logLevel: logLevel.NOTHING,
    });
    const rewinds = [{ topic: healthTopic, periodStart: Date.now() - 10_000, refill: true }];
    await expect(rewindGroup(impatient, `rewound-${run}`, rewinds)).rejects.toThrow();
    // ...and the start-up step tries again until the brokers are back.
    const rewound = rewindAtStart(impatient, `rewound-${run}`, rewinds, log);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await Promise.all(down.map((node) => cluster.restart(node)));
    await expect(rewound).resolves.toBe(true);

    // Each of the two brokers' own recovery (the bus's recovery may come first).
    const recoveredAlerts = brokerNames(down).map((name) => ({ component: 'broker', name, state: 'recovered' }));
    await eventually(
      async () => {
        const raised = (await outages()).slice(before);
        return (
          recoveredAlerts.every((alert) => raised.some((o) => o.component === alert.component && o.name === alert.name && o.state === alert.state)) || undefined
        );
      },
      { timeoutMs: 90_000, what: 'both brokers recovered' },
    );
    expect((await services()).map(({ name }) => name)).toEqual(['access-control/c']);
  }, 300_000);

  it('after a restart alerts the instances that died while no governance listened, its own predecessor among them, and nothing raised before', async () => {
    await cluster.waitForFullIsr(healthTopic.name, 120_000);
    // b dies, then governance g1 (and its monitor) before the silence has passed: nobody alerted b.
    silence('b');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    silence('g1');
    await stopMonitor();
    expect((await services()).map(({ name }) => name)).toEqual(['access-control/c']);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    beat('governance', 'g2');
    await startMonitor();
    await eventually(async () => ((await services()).length >= 4 ? true : undefined), { timeoutMs: 120_000, intervalMs: 500, what: 'b and g1 alerted' });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const [first, ...after] = (await services()).map(({ name, state }) => `${name} ${state}`);
    expect(first).toBe('access-control/c down');
    expect(after.sort()).toEqual(['encryption/b down', 'governance/g1 down', 'governance/g1 recovered']);
  }, 300_000);
});
