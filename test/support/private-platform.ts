// The five services as processes on a broker of the run's own, with databases and ports of their own: for specs
// that scan or attack the whole system and must see nothing of other runs (nor disturb them).
import { resolve } from 'node:path';
import { databaseUrl, dropDatabase, testEndpoints } from './endpoints';
import { closeAll } from './cleanup';
import { freePorts } from './ports';
import { startPrivateBroker, type PrivateBroker } from './private-broker';
import { startService, stopAll, type RunningService, type ServiceName } from './service-processes';

/** Start order: what the others need first (sealing keys, the ledger's consumers) comes first. */
export const platformServices = ['encryption', 'ledger', 'governance', 'access-control', 'ingestion'] as const satisfies readonly ServiceName[];

export interface PrivatePlatform {
  broker: PrivateBroker;
  services: Map<ServiceName, RunningService>;
  logDir: string;
  /** Every database the platform uses: each service's state database, then the ledger replicas. */
  databaseUrls: string[];
  /** Database name of a service's state. */
  stateDatabase(service: ServiceName): string;
  ledgerDatabase: string;
  service(name: ServiceName): RunningService;
  /** Stops the services, removes the broker and drops the databases, whatever fails on the way. */
  remove(): Promise<void>;
}

/** `name`: a short lower-case tag of the run, used in database, group and log names; `env.KAFKA_SECURITY` also picks the broker's mode. */
export async function startPrivatePlatform(name: string, env: NodeJS.ProcessEnv = {}): Promise<PrivatePlatform> {
  const { stateServer, ledgerServers } = testEndpoints();
  const stateDatabase = (service: ServiceName) => `${service.replace('-', '_')}_${name}`;
  const ledgerDatabase = `ledger_${name}`;
  const services = new Map<ServiceName, RunningService>();
  const logDir = resolve(__dirname, `../../.data/logs/e2e-${name}`);
  const broker = await startPrivateBroker(name, env.KAFKA_SECURITY ? { security: env.KAFKA_SECURITY } : {});
  const platform: PrivatePlatform = {
    broker,
    services,
    logDir,
    databaseUrls: [
      ...platformServices.map((service) => databaseUrl(stateServer, stateDatabase(service))),
      ...ledgerServers.map((server) => databaseUrl(server, ledgerDatabase)),
    ],
    stateDatabase,
    ledgerDatabase,
    service: (service) => services.get(service) as RunningService,
    remove: () =>
      closeAll([
        () => stopAll([...services.values()]),
        () => broker.remove(),
        ...platformServices.map((service) => () => dropDatabase(stateServer, stateDatabase(service))),
        ...ledgerServers.map((server) => () => dropDatabase(server, ledgerDatabase)),
      ]),
  };
  try {
    const ports = await freePorts(4700, 4900, platformServices.length);
    const keySource = `encryption-${name}`;
    for (const [index, service] of platformServices.entries()) {
      services.set(
        service,
        await startService(service, {
          port: ports[index],
          logDir,
          instance: `${service}-${name}`,
          env: {
            ...broker.clientEnv,
            KAFKA_GROUP_ID: `${service}-${name}`,
            SERVICE_SOURCE: keySource,
            SEALING_KEY_SOURCE: keySource,
            DATABASE_URL: databaseUrl(stateServer, stateDatabase(service)),
            LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, ledgerDatabase)).join(','),
            BLOCK_MAX_AGE_MS: '200',
            // Governance's reports ask this platform's ledger for proofs.
            LEDGER_URL: `http://127.0.0.1:${ports[platformServices.indexOf('ledger')]}`,
            ...env,
          },
        }),
      );
    }
  } catch (error) {
    await platform.remove();
    throw error;
  }
  return platform;
}
