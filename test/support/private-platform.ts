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
  /** The current instance of each service (the first started, or the one that replaced it). */
  services: Map<ServiceName, RunningService>;
  logDir: string;
  /** Every database the platform uses: each service's state database, then the ledger replicas. */
  databaseUrls: string[];
  /** Database name of a service's state. */
  stateDatabase(service: ServiceName): string;
  ledgerDatabase: string;
  /** The ledger replicas' database URLs. */
  ledgerReplicaUrls: string[];
  service(name: ServiceName): RunningService;
  /** Every instance started and not yet exited, of one service or of all. */
  instances(name?: ServiceName): RunningService[];
  /**
   * Starts an instance of `name` with the platform's options under a new instance id: `replace` makes it the one
   * service() returns, on that one's port (after a kill); otherwise another instance on a port of its own.
   */
  startInstance(name: ServiceName, options?: { replace?: boolean; readyTimeoutMs?: number }): Promise<RunningService>;
  /** Stops the services, removes the broker and drops the databases, whatever fails on the way. */
  remove(): Promise<void>;
}

export interface PlatformOptions {
  /** A broker (or cluster) to run on instead of a private one; remove() removes it too. */
  broker?: PrivateBroker;
  /** postgres:// servers for the ledger replicas instead of the shared ones (a spec that kills them). */
  ledgerServers?: string[];
}

/**
 * `name`: a short lower-case tag of the run, used in database, group and log names; `env.KAFKA_SECURITY` also picks the
 * broker's mode.
 */
export async function startPrivatePlatform(name: string, env: NodeJS.ProcessEnv = {}, options: PlatformOptions = {}): Promise<PrivatePlatform> {
  const { stateServer } = testEndpoints();
  const ledgerServers = options.ledgerServers ?? testEndpoints().ledgerServers;
  const stateDatabase = (service: ServiceName) => `${service.replace('-', '_')}_${name}`;
  const ledgerDatabase = `ledger_${name}`;
  const ledgerReplicaUrls = ledgerServers.map((server) => databaseUrl(server, ledgerDatabase));
  const services = new Map<ServiceName, RunningService>();
  const started: RunningService[] = [];
  const logDir = resolve(__dirname, `../../.data/logs/e2e-${name}`);
  const broker = options.broker ?? (await startPrivateBroker(name, env.KAFKA_SECURITY ? { security: env.KAFKA_SECURITY } : {}));
  const ports = await freePorts(4700, 4900, platformServices.length);
  const keySource = `encryption-${name}`;
  const launch = async (service: ServiceName, instance: string, port: number, readyTimeoutMs?: number) => {
    const running = await startService(service, {
      readyTimeoutMs,
      port,
      logDir,
      instance,
      env: {
        ...broker.clientEnv,
        KAFKA_GROUP_ID: `${service}-${name}`,
        SERVICE_SOURCE: keySource,
        SEALING_KEY_SOURCE: keySource,
        DATABASE_URL: databaseUrl(stateServer, stateDatabase(service)),
        LEDGER_REPLICA_URLS: ledgerReplicaUrls.join(','),
        BLOCK_MAX_AGE_MS: '200',
        // Governance's reports ask this platform's ledger for proofs.
        LEDGER_URL: `http://127.0.0.1:${ports[platformServices.indexOf('ledger')]}`,
        ...env,
      },
    });
    started.push(running);
    return running;
  };
  let instances = 0;
  const platform: PrivatePlatform = {
    broker,
    services,
    logDir,
    databaseUrls: [...platformServices.map((service) => databaseUrl(stateServer, stateDatabase(service))), ...ledgerReplicaUrls],
    stateDatabase,
    ledgerDatabase,
    ledgerReplicaUrls,
    service: (service) => services.get(service) as RunningService,
    instances: (service) =>
      started.filter((running) => (!service || running.name === service) && running.process.exitCode === null && running.process.signalCode === null),
    async startInstance(service, { replace = false, readyTimeoutMs = 180_000 } = {}) {
      const port = replace ? platform.service(service).port : (await freePorts(4700, 4900, 1))[0];
      // A new instance may replay a whole topic before it is ready (access control's projection): minutes under load.
      const attempt = () => launch(service, `${service}-${name}-${(instances += 1)}`, port, readyTimeoutMs);
      // A start that gives up on a Kafka request timing out on a loaded machine exits 1: as a supervisor would, once more.
      const running = await attempt().catch((error: unknown) => {
        if (!String(error).includes('exited with')) throw error;
        return attempt();
      });
      if (replace) services.set(service, running);
      return running;
    },
    remove: () =>
      closeAll([
        () => stopAll(started),
        () => broker.remove(),
        ...platformServices.map((service) => () => dropDatabase(stateServer, stateDatabase(service))),
        ...ledgerServers.map((server) => () => dropDatabase(server, ledgerDatabase)),
      ]),
  };
  try {
    for (const [index, service] of platformServices.entries()) services.set(service, await launch(service, `${service}-${name}`, ports[index]));
  } catch (error) {
    await platform.remove();
    throw error;
  }
  return platform;
}
