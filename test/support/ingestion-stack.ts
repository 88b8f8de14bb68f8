// Encryption and ingestion as processes on one broker, with databases, consumer groups and a sealing-key source of
// one test run's own, and the hospital side of POST /v1/fhir: for specs that stop, kill or starve these services.
import { resolve } from 'node:path';
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { closeAll } from './cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from './endpoints';
import { freePorts } from './ports';
import { startService, stopAll, type RunningService, type StartOptions } from './service-processes';

export interface IngestionStack {
  encryption: RunningService;
  ingestion: RunningService;
  /** The CloudEvents source of this stack's encryption service (its events, its sealing key). */
  source: string;
  databaseUrls: { ingestion: string; encryption: string };
  /** Starts ingestion again after it stopped or was killed: same port, database and settings. */
  restartIngestion(): Promise<RunningService>;
  /** Stops both services and drops their databases. */
  remove(): Promise<void>;
}

/** `name`: letters and digits, unique per run (it names databases, groups, instances and the log folder). */
export async function startIngestionStack(name: string, brokers: readonly string[], ingestionEnv: NodeJS.ProcessEnv = {}): Promise<IngestionStack> {
  const { stateServer } = testEndpoints();
  const [encryptionPort, ingestionPort] = await freePorts(4600, 4800, 2);
  const logDir = resolve(__dirname, `../../.data/logs/e2e-${name}`);
  const source = `encryption-${name}`;
  const databases = { ingestion: `ingestion_${name}`, encryption: `encryption_${name}` };
  const databaseUrls = { ingestion: databaseUrl(stateServer, databases.ingestion), encryption: databaseUrl(stateServer, databases.encryption) };
  const kafkaEnv = { KAFKA_BROKERS: brokers.join(',') };
  const ingestionOptions: StartOptions = {
    port: ingestionPort,
    logDir,
    instance: `ingestion-${name}`,
    env: { ...kafkaEnv, DATABASE_URL: databaseUrls.ingestion, KAFKA_GROUP_ID: `ingestion-${name}`, SEALING_KEY_SOURCE: source, ...ingestionEnv },
  };
  const stack: IngestionStack = {
    encryption: await startService('encryption', {
      port: encryptionPort,
      logDir,
      instance: source,
      env: { ...kafkaEnv, DATABASE_URL: databaseUrls.encryption, KAFKA_GROUP_ID: source, SERVICE_SOURCE: source },
    }),
    ingestion: undefined as unknown as RunningService,
    source,
    databaseUrls,
    async restartIngestion() {
      stack.ingestion = await startService('ingestion', ingestionOptions);
      return stack.ingestion;
    },
    remove: () =>
      closeAll([
        () => stopAll([stack.ingestion, stack.encryption].filter((service) => service !== undefined)),
        ...Object.values(databases).map((database) => () => dropDatabase(stateServer, database)),
      ]),
  };
  try {
    await stack.restartIngestion();
  } catch (error) {
    await stack.remove();
    throw error;
  }
  return stack;
}

export interface FhirAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  elapsedMs: number;
}

const platformKeys = new PlatformKeys(platformKeysSchema.parse({}));

/** POST /v1/fhir as a hospital system would, with a fresh token of `institution` (dev keys). */
export async function postFhir(
  baseUrl: string,
  body: unknown,
  { institution = 'hosp-a', idempotencyKey }: { institution?: string; idempotencyKey?: string } = {},
): Promise<FhirAnswer> {
  const token = issueInstitutionToken(platformKeys.institutionPrivateKey(institution), { institution, ttlSeconds: 600 }, new Date());
  const started = Date.now();
  const response = await fetch(`${baseUrl}/v1/fhir`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/fhir+json',
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown>, elapsedMs: Date.now() - started };
}
