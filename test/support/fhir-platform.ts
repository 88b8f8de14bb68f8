// Encryption, ingestion and access control as processes on the shared broker, with institutions, databases, groups
// and a sealing-key source of one test run's own, and the hospital's and the reader's side of their HTTP APIs: for
// specs of the FHIR write path (reference resources, transactions, versions, read-back, $import).
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueInstitutionToken } from '@medshare/crypto';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { closeAll } from './cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from './endpoints';
import { freePorts } from './ports';
import { startService, stopAll, type RunningService, type StartOptions } from './service-processes';

export const NATIONAL_ID = 'https://id.medshare.example/national-health-id';

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface FhirPlatform {
  run: string;
  /** Two institutions of this run only: a holder and a reader. */
  holder: string;
  reader: string;
  keys: PlatformKeys;
  ingestion: RunningService;
  encryption: RunningService;
  access: RunningService;
  databaseUrls: { ingestion: string; encryption: string; access: string };
  systemToken(institution: string): string;
  practitionerToken(institution: string, practitioner: string, role: string): string;
  call(
    service: RunningService,
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; contentType?: string; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  /** The reader's physician may read the holder's patients for TREAT: role, agreement, and a consent per national id. */
  shareForTreatment(nationalIds: readonly string[]): Promise<void>;
  readAsReader(nationalId: string): Promise<HttpAnswer>;
  shred(pseudonym: string): Promise<HttpAnswer>;
  /** Stops ingestion with `signal` (SIGKILL: a crash) and starts it again on the same port, database and spool. */
  restartIngestion(signal: NodeJS.Signals): Promise<void>;
  remove(): Promise<void>;
}

/**
 * `ingestionEnv`: settings of this run's ingestion (e.g. a small $import chunk); `ingestion`: for benches, node flags
 * (`--cpu-prof`) and another build's entry point to compare with.
 */
export async function startFhirPlatform(
  name: string,
  ingestionEnv: NodeJS.ProcessEnv = {},
  ingestion: Pick<StartOptions, 'nodeArgs' | 'main'> = {},
): Promise<FhirPlatform> {
  const run = `${name}${randomUUID().replace(/-/g, '').slice(0, 6)}`;
  const holder = `a${run}`;
  const reader = `b${run}`;
  const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: `${holder},${reader}` }));
  const { stateServer } = testEndpoints();
  const databases = { ingestion: `ingestion_${run}`, encryption: `encryption_${run}`, access: `access_control_${run}` };
  const databaseUrls = {
    ingestion: databaseUrl(stateServer, databases.ingestion),
    encryption: databaseUrl(stateServer, databases.encryption),
    access: databaseUrl(stateServer, databases.access),
  };
  const source = `encryption-${run}`;
  const env = { INSTITUTIONS: `${holder},${reader}`, LOG_LEVEL: 'warn' };
  const [encryptionPort, ingestionPort, accessPort] = await freePorts(4300, 4900, 3);
  const services: RunningService[] = [];
  const spoolDir = join(tmpdir(), `medshare-import-${run}`);
  const startIngestion = () =>
    startService('ingestion', {
      port: ingestionPort,
      instance: `ingestion-${run}`,
      ...ingestion,
      env: {
        ...env,
        DATABASE_URL: databaseUrls.ingestion,
        KAFKA_GROUP_ID: `ingestion-${run}`,
        SEALING_KEY_SOURCE: source,
        IMPORT_SPOOL_DIR: spoolDir,
        ...ingestionEnv,
      },
    });
  const drop = () =>
    closeAll([
      () => stopAll(services),
      ...Object.values(databases).map((database) => () => dropDatabase(stateServer, database)),
      () => rm(spoolDir, { recursive: true, force: true }),
    ]);
  try {
    services.push(
      await startService('encryption', {
        port: encryptionPort,
        instance: source,
        env: { ...env, DATABASE_URL: databaseUrls.encryption, KAFKA_GROUP_ID: source, SERVICE_SOURCE: source, SEALED_START: 'latest' },
      }),
    );
    services.push(await startIngestion());
    services.push(
      await startService('access-control', {
        port: accessPort,
        instance: `access-${run}`,
        env: { ...env, DATABASE_URL: databaseUrls.access, KAFKA_GROUP_ID: `access-control-${run}`, SEALING_KEY_SOURCE: source },
      }),
    );
  } catch (error) {
    await drop();
    throw error;
  }
  const [encryption, , access] = services;
  const systemToken = (institution: string) => issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 900 });
  const practitionerToken = (institution: string, practitioner: string, role: string) =>
    issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, practitioner, role, ttlSeconds: 900 });
  const physician = `dr-${run}`;
  const call: FhirPlatform['call'] = async (service, method, path, options = {}) => {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.token && { authorization: `Bearer ${options.token}` }),
        ...(options.body !== undefined && { 'content-type': options.contentType ?? 'application/fhir+json' }),
        ...options.headers,
      },
      ...(options.body !== undefined && { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      body = { text };
    }
    return { status: response.status, headers: response.headers, body };
  };
  const ok = (answer: HttpAnswer, status: number, what: string) => {
    if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  };
  return {
    run,
    holder,
    reader,
    keys,
    get ingestion() {
      return services[1];
    },
    encryption,
    access,
    databaseUrls,
    systemToken,
    practitionerToken,
    call,
    async shareForTreatment(nationalIds) {
      ok(
        await call(access, 'POST', '/v1/roles', {
          token: systemToken(reader),
          body: { practitioner: physician, role: 'physician' },
          contentType: 'application/json',
        }),
        201,
        'role',
      );
      const agreement = {
        id: `ag-${run}`,
        holder,
        reader,
        purposes: ['TREAT', 'HRESCH'],
        period: { start: '2024-01-01', end: '2099-12-31' },
        status: 'active',
      };
      ok(await call(access, 'POST', '/v1/agreements', { token: systemToken(holder), body: agreement, contentType: 'application/json' }), 201, 'agreement');
      for (const [index, nationalId] of nationalIds.entries()) {
        const consent = {
          resourceType: 'Consent',
          id: `c-${run}-${index}`,
          status: 'active',
          scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
          category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
          patient: { identifier: { system: NATIONAL_ID, value: nationalId } },
          policy: [{ uri: 'https://fhir.medshare.example/policy/sharing' }],
          provision: { type: 'permit', purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] },
        };
        // A consent is taken once access control has seen the holder's records of the patient.
        const deadline = Date.now() + 60_000;
        for (;;) {
          const answer = await call(access, 'POST', '/v1/consents', { token: systemToken(holder), body: consent });
          if (answer.status === 201) break;
          if (answer.status !== 403 || Date.now() > deadline) throw new Error(`consent: ${answer.status}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
    readAsReader: (nationalId) =>
      call(access, 'GET', `/v1/patients/${encodeURIComponent(`${NATIONAL_ID}|${nationalId}`)}/records?purpose=TREAT`, {
        token: practitionerToken(reader, physician, 'physician'),
      }),
    shred: (pseudonym) =>
      call(encryption, 'POST', `/v1/patients/${pseudonym}/shred`, {
        token: DEV_OPERATOR_TOKEN,
        body: { reason: `TICKET-${run}` },
        contentType: 'application/json',
      }),
    async restartIngestion(signal) {
      await services[1].stop(signal);
      services[1] = await startIngestion();
    },
    remove: drop,
  };
}

/** Entries of a searchset answer by search mode. */
export function entriesOf(bundle: Record<string, unknown>, mode: 'match' | 'include'): Record<string, unknown>[] {
  const entries = (bundle['entry'] ?? []) as { resource: Record<string, unknown>; search?: { mode?: string } }[];
  return entries.filter((entry) => entry.search?.mode === mode).map((entry) => entry.resource);
}
