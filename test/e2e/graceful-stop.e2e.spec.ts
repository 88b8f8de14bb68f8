// A graceful stop loses nothing in flight (issue 9 §3): two access-control instances serve continuous reads
// (each a decrypt round trip through the encryption service), one gets SIGTERM. It stops taking connections,
// answers every request it had accepted, and exits 0; a client that retries once on a refused connection
// sees no failed read at all.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { startService, stopAll, type RunningService } from '../support/service-processes';
import { transactionBundle } from '../support/bundles';

const run = randomUUID().replace(/-/g, '').slice(0, 8);
const { stateServer } = testEndpoints();
const A = `g${run}`;
const NATIONAL = 'https://id.medshare.example/national-health-id';
const patientRef = `${NATIONAL}|N-${run}-stop`;
const doctor = `dr-${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: A }));
const systemToken = () => issueInstitutionToken(keys.institutionPrivateKey(A), { institution: A, ttlSeconds: 600 });
const doctorToken = issueInstitutionToken(keys.institutionPrivateKey(A), { institution: A, practitioner: doctor, role: 'physician', ttlSeconds: 600 });
const databases = { ingestion: `ingestion_stop${run}`, encryption: `encryption_stop${run}`, access: `access_control_stop${run}` };
const logDir = resolve(__dirname, `../../.data/logs/e2e-graceful-stop-${run}`);
const sharedEnv = { INSTITUTIONS: A, LOG_LEVEL: 'info' };

interface Outcome {
  /** The instance that answered (after at most one retry on a refused connection). */
  port: number;
  status?: number;
  error?: string;
  startedAt: number;
  endedAt: number;
}

/** One GET on a connection of its own (no keep-alive): a stopped instance refuses it instead of resetting it. */
function get(port: number, path: string): Promise<{ status: number } | { error: string; code?: string }> {
  return new Promise((resolveGet) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${doctorToken}` } }, (response) => {
      response.resume();
      response.on('end', () => resolveGet({ status: response.statusCode ?? 0 }));
      response.on('error', (error) => resolveGet({ error: error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolveGet({ error: error.message, code: error.code }));
    req.end();
  });
}

function bundle(): object {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const glucose = { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }] };
  const resources = [
    { resourceType: 'Patient', id: `pt-${run}`, identifier: [{ system: NATIONAL, value: `N-${run}-stop` }], gender: 'female', birthDate: '1980-04-01' },
    ...['o1', 'o2', 'o3'].map((id) => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: glucose,
      subject: { reference: patientUrl },
      effectiveDateTime: '2024-03-10T09:00:00Z',
      valueQuantity: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
    })),
  ];
  return transactionBundle(patientUrl, resources);
}

describe('a graceful stop of access control under reads', () => {
  const services: RunningService[] = [];
  let access1: RunningService;
  let access2: RunningService;

  beforeAll(async () => {
    const [encryptionPort, ingestionPort, port1, port2] = await freePorts(5100, 5300, 4);
    const encryptionSource = `encryption-stop-${run}`;
    services.push(
      await startService('encryption', {
        port: encryptionPort,
        instance: `encryption-stop-${run}`,
        logDir,
        env: {
          ...sharedEnv,
          DATABASE_URL: databaseUrl(stateServer, databases.encryption),
          KAFKA_GROUP_ID: `encryption-stop-${run}`,
          SERVICE_SOURCE: encryptionSource,
          SEALED_START: 'latest',
        },
      }),
    );
    const ingestion = await startService('ingestion', {
      port: ingestionPort,
      instance: `ingestion-stop-${run}`,
      logDir,
      env: {
        ...sharedEnv,
        DATABASE_URL: databaseUrl(stateServer, databases.ingestion),
        KAFKA_GROUP_ID: `ingestion-stop-${run}`,
        SEALING_KEY_SOURCE: encryptionSource,
      },
    });
    services.push(ingestion);
    const accessEnv = { ...sharedEnv, DATABASE_URL: databaseUrl(stateServer, databases.access), KAFKA_GROUP_ID: `access-control-stop-${run}` };
    // Each instance replays the shared broker's history into its projection before it is ready: slow on a busy machine.
    const readyTimeoutMs = 180_000;
    access1 = await startService('access-control', { port: port1, instance: `access-stop-1-${run}`, logDir, env: accessEnv, readyTimeoutMs });
    access2 = await startService('access-control', { port: port2, instance: `access-stop-2-${run}`, logDir, env: accessEnv, readyTimeoutMs });
    services.push(access1, access2);

    const post = (url: string, body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${systemToken()}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(body),
      });
    expect((await post(`${access1.baseUrl}/v1/roles`, { practitioner: doctor, role: 'physician' })).status).toBe(201);
    expect((await post(`${ingestion.baseUrl}/v1/fhir`, bundle())).status).toBe(202);
    const consent = {
      resourceType: 'Consent',
      id: `c-${run}`,
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { identifier: { system: NATIONAL, value: `N-${run}-stop` } },
      policy: [{ uri: 'https://fhir.medshare.example/policy/sharing' }],
      provision: {
        type: 'permit',
        purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
        actor: [{ reference: { reference: `Practitioner/${doctor}` } }],
      },
    };
    // A consent is taken once access control knows A holds the patient (records.encrypted seen).
    await eventually(async () => (await post(`${access1.baseUrl}/v1/consents`, consent)).status === 201 || undefined, {
      timeoutMs: 60_000,
      what: 'the consent to be accepted',
    });
    for (const service of [access1, access2]) {
      await eventually(async () => ((await get(service.port, readPath())) as { status?: number }).status === 200 || undefined, {
        timeoutMs: 60_000,
        what: `${service.name} to permit the read`,
      });
    }
  }, 600_000);

  afterAll(async () => {
    await stopAll(services);
    await Promise.all(Object.values(databases).map((name) => dropDatabase(stateServer, name)));
  });

  const readPath = () => `/v1/patients/${encodeURIComponent(patientRef)}/records?purpose=TREAT`;

  it('answers every read it accepted, exits 0, and a client retrying once on refusal sees no failure', async () => {
    const outcomes: Outcome[] = [];
    let reading = true;
    const worker = async (index: number) => {
      for (let turn = index; reading; turn += 1) {
        const [first, other] = turn % 2 === 0 ? [access1, access2] : [access2, access1];
        const startedAt = Date.now();
        let port = first.port;
        let answer = await get(port, readPath());
        if ('code' in answer && answer.code === 'ECONNREFUSED') {
          port = other.port;
          answer = await get(port, readPath());
        }
        outcomes.push({ port, startedAt, endedAt: Date.now(), ...answer });
      }
    };
    const workers = [0, 1, 2, 3].map((index) => worker(index));
    await new Promise((resolveWarmUp) => setTimeout(resolveWarmUp, 2000));
    const signalledAt = Date.now();
    const exitCode = await access1.stop('SIGTERM');
    const exitedAt = Date.now();
    await new Promise((resolveAfter) => setTimeout(resolveAfter, 1500));
    reading = false;
    await Promise.all(workers);

    const failed = outcomes.filter((outcome) => outcome.status !== 200);
    expect(failed).toEqual([]);
    expect(exitCode).toBe(0);
    // Reads the stopped instance had in flight when the signal came were answered, not dropped.
    const inFlightAtSignal = outcomes.filter((outcome) => outcome.port === access1.port && outcome.startedAt < signalledAt && outcome.endedAt > signalledAt);
    expect(inFlightAtSignal.length).toBeGreaterThan(0);
    // The survivor carried the reads on.
    expect(outcomes.filter((outcome) => outcome.port === access2.port && outcome.startedAt > exitedAt).length).toBeGreaterThan(0);
    const log = readFileSync(access1.logFile, 'utf8');
    expect(log).toContain('"http requests drained"');
    expect(log).not.toContain('shutdown took too long');
    process.stdout.write(
      `graceful stop: ${outcomes.length} reads, ${inFlightAtSignal.length} in flight on the stopped instance at SIGTERM, stop took ${exitedAt - signalledAt} ms\n`,
    );
  });
});
