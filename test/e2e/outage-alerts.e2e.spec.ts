// Outages are alerted (issue 14): on a broker of its own, governance and access control run as processes with the
// default heartbeat (5 s) and silence (15 s). kill -9 of access control raises one critical `outage` alert within
// 30 s; a new instance brings the info `outage` alert that the outage ended. A graceful stop raises nothing.
import { randomUUID } from 'node:crypto';
import { parseEvent, topics, type EventOf } from '@medshare/contracts';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker';
import { startService, type RunningService, type ServiceName } from '../support/service-processes';
import { readTopic } from '../support/topic-reader';

const run = randomUUID().replace(/-/g, '').slice(0, 8);
const { stateServer } = testEndpoints();
type Alert = EventOf<'governance.alert.v1'>['data'];

describe('outage alerts from heartbeats', () => {
  let broker: PrivateBroker;
  let ports: number[];
  const running: RunningService[] = [];

  const start = async (service: ServiceName, instance: string, port: number) => {
    const started = await startService(service, {
      port,
      instance,
      env: {
        KAFKA_BROKERS: broker.brokers.join(','),
        DATABASE_URL: databaseUrl(stateServer, `${service.replace('-', '_')}_o${run}`),
        KAFKA_GROUP_ID: `${service}-o${run}`,
        LOG_LEVEL: 'warn',
      },
    });
    running.push(started);
    return started;
  };

  const outages = async (): Promise<Alert[]> =>
    (await readTopic(broker.kafka, topics.governanceAlerts.name))
      .map(({ value }) => parseEvent(value, topics.governanceAlerts.name))
      .flatMap((parsed) => (parsed.ok && parsed.event.type === 'governance.alert.v1' && parsed.event.data.kind === 'outage' ? [parsed.event.data] : []));

  beforeAll(async () => {
    broker = await startPrivateBroker(`outage${run}`);
    ports = await freePorts(4900, 4999, 3);
    await start('governance', `governance-o${run}`, ports[0]);
  });

  afterAll(() =>
    closeAll([
      () => Promise.all(running.map((service) => service.stop('SIGKILL'))),
      () => broker?.remove(),
      ...['governance', 'access_control'].map((database) => () => dropDatabase(stateServer, `${database}_o${run}`)),
    ]),
  );

  it('raises an outage alert within 30 s of a kill -9 and a recovery alert when a new instance runs; nothing for a graceful stop', async () => {
    const graceful = await start('access-control', `ac-graceful-o${run}`, ports[1]);
    await graceful.stop('SIGTERM');
    const first = await start('access-control', `ac-first-o${run}`, ports[1]);
    // Heard at least once before it dies.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const killedAt = Date.now();
    await first.stop('SIGKILL');
    const down = await eventually(async () => (await outages()).find((alert) => alert.details?.state === 'down'), {
      timeoutMs: 40_000,
      intervalMs: 1000,
      what: 'the outage alert',
    });
    const alertedAfterMs = Date.now() - killedAt;
    process.stdout.write(`outage alerts: kill -9 of access-control alerted after ${alertedAfterMs} ms\n`);
    expect(alertedAfterMs).toBeLessThan(30_000);
    expect(down).toMatchObject({ severity: 'critical', details: { component: 'service', service: 'access-control', instance: `ac-first-o${run}` } });

    await start('access-control', `ac-second-o${run}`, ports[2]);
    await eventually(async () => (await outages()).find((alert) => alert.details?.state === 'recovered'), {
      timeoutMs: 30_000,
      intervalMs: 1000,
      what: 'the recovery alert',
    });
    const all = await outages();
    expect(all.map((alert) => [alert.details?.instance, alert.details?.state, alert.severity])).toEqual([
      [`ac-first-o${run}`, 'down', 'critical'],
      [`ac-first-o${run}`, 'recovered', 'info'],
    ]);
  });
});
