// The bus knows who is talking: a broker of the run's own with TLS 1.3 + SASL/SCRAM-SHA-512 and the ACLs generated
// from the topic registry. The five services, each as its own principal, carry a record from HTTP to a break-glass
// read, the ledger and governance; a principal reading or writing what it does not own is refused; analysts never
// read sealed payloads, ciphertext, keys or decrypt traffic; a wrong password does not connect; the KRaft controller
// listener answers TLS 1.3 clients with the broker's certificate only.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { issueInstitutionToken } from '@medshare/crypto';
import { kafkaAcls, topics } from '@medshare/contracts';
import { applyAcls, createKafka, kafkaSecurityFrom } from '@medshare/messaging';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { eventually } from '../support/eventually';
import { startPrivatePlatform, type PrivatePlatform } from '../support/private-platform';
import type { ServiceName } from '../support/service-processes';
import { callWithToken, NATIONAL_ID_SYSTEM, patientWithObservation, readOutcome } from '../support/secure-bus';

const run = randomBytes(4).toString('hex');
const A = `a${run}`;
const patientRef = `${NATIONAL_ID_SYSTEM}|n-${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: A }));
const systemToken = (institution: string) => issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 600 });
const practitionerToken = (institution: string, practitioner: string) =>
  issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, practitioner, role: 'physician', ttlSeconds: 600 });

describe('the authenticated and authorised bus', () => {
  let platform: PrivatePlatform;

  beforeAll(async () => {
    platform = await startPrivatePlatform(`az${run}`, { KAFKA_SECURITY: 'sasl_ssl', INSTITUTIONS: A });
  }, 240_000);

  afterAll(() => platform?.remove());

  const call = (service: ServiceName, method: string, path: string, token: string, body?: unknown) =>
    callWithToken(platform.service(service).baseUrl, method, path, token, body);
  /** 'read' when `principal` joins a group of its own prefix and fetches `topic`, else the broker's refusal. */
  const readAs = (principal: string, topic: string) =>
    readOutcome(platform.broker.kafkaAs(principal, `az-${principal}-${run}`), `${principal}-az-${run}-${topic}`, topic);

  async function writeAs(principal: string, topic: string): Promise<string> {
    const producer = platform.broker.kafkaAs(principal, `az-${principal}-${run}`).producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: 'not an event' }] });
      return 'written';
    } catch (error) {
      return (error as { type?: string }).type ?? String(error);
    } finally {
      await producer.disconnect();
    }
  }

  it('runs the five services, each with exactly its own ACLs: HTTP → encryption → a break-glass read → ledger and governance', async () => {
    // The holder's own physician: the own institution is always reachable, and break-glass needs no consent.
    const holder = { institution: A, id: `hd-${run}` };
    expect((await call('access-control', 'POST', '/v1/roles', systemToken(A), { practitioner: holder.id, role: 'physician' })).status).toBe(201);
    const bundle = patientWithObservation(run);
    expect((await call('ingestion', 'POST', '/v1/fhir', systemToken(A), bundle)).status).toBe(202);

    const decide = (body: Record<string, unknown>) =>
      call('access-control', 'POST', '/v1/decisions', practitionerToken(holder.institution, holder.id), { patient: patientRef, ...body });
    await eventually(
      async () => (JSON.parse((await decide({ purpose: 'TREAT' })).text) as { reachableHolders?: string[] }).reachableHolders?.includes(A) || undefined,
      {
        timeoutMs: 60_000,
        what: 'access control to see the records encryption stored',
      },
    );
    const read = await call(
      'access-control',
      'GET',
      `/v1/patients/${encodeURIComponent(patientRef)}/records?purpose=ETREAT&reason=bus-check`,
      practitionerToken(holder.institution, holder.id),
    );
    expect(read.status).toBe(200);
    expect(read.text).toContain('Observation');

    await eventually(async () => (await call('governance', 'GET', '/v1/alerts', DEV_OPERATOR_TOKEN)).text.includes('break-glass') || undefined, {
      timeoutMs: 60_000,
      what: 'governance to raise the break-glass alert',
    });
    const head = await eventually(
      async () => {
        const answer = JSON.parse((await call('ledger', 'GET', '/v1/blocks/head', systemToken(A))).text) as { treeSize?: number };
        return (answer.treeSize ?? 0) >= 3 ? answer : undefined;
      },
      { timeoutMs: 60_000, what: 'the ledger to take in the audited events' },
    );
    expect(head.treeSize).toBeGreaterThanOrEqual(3);
  });

  it('refuses a service that reads or writes a topic it does not own', async () => {
    expect(await readAs('ingestion', topics.recordsEncrypted.name)).toBe('TOPIC_AUTHORIZATION_FAILED');
    // Governance reads keys now (erasure reports); sealed payloads it never reads.
    expect(await readAs('governance', topics.ingestSealed.name)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await readAs('ingestion', topics.keys.name)).toBe('read');
    expect(await writeAs('ingestion', topics.keys.name)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await writeAs('governance', topics.accessDecisions.name)).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('lets analysts read the audit topics but not sealed payloads, ciphertext, decrypt traffic or keys', async () => {
    expect(await readAs('analyst-platform', topics.auditDecisions.name)).toBe('read');
    for (const topic of [topics.ingestSealed, topics.recordsEncrypted, topics.decryptRequests, topics.decryptReplies, topics.keys]) {
      expect({ topic: topic.name, outcome: await readAs('analyst-platform', topic.name) }).toEqual({
        topic: topic.name,
        outcome: 'TOPIC_AUTHORIZATION_FAILED',
      });
    }
    expect(await writeAs('analyst-platform', topics.auditDecisions.name)).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('does not connect with a wrong password', async () => {
    const security = kafkaSecurityFrom(platform.broker.clientEnv, 'ingestion');
    if (security.mode !== 'sasl_ssl') throw new Error('the broker of this spec must be sasl_ssl');
    const connectWith = async (password: string) => {
      const admin = createKafka({ brokers: platform.broker.brokers, clientId: `az-login-${run}`, security: { ...security, password } }).admin();
      try {
        await admin.connect();
        return 'connected';
      } catch (error) {
        return (error as Error).name;
      } finally {
        await admin.disconnect();
      }
    };
    expect(await connectWith(security.password)).toBe('connected');
    expect(await connectWith('wrong-password')).toBe('KafkaJSSASLAuthenticationError');
  });

  it('answers on the controller listener only TLS 1.3 clients that present the broker certificate', async () => {
    const secrets = resolve(__dirname, '../../.data/secrets');
    const ca = readFileSync(platform.broker.clientEnv.KAFKA_CA_FILE as string);
    const brokerCertificate = {
      pfx: readFileSync(resolve(secrets, 'broker.p12')),
      passphrase: readFileSync(resolve(secrets, 'broker.p12.password'), 'utf8').trim(),
    };
    // An ApiVersions v0 request (key 18, correlation id 1, client id "t"): 'answered' when a response comes back; else
    // what ended the connection. In TLS 1.3 the server judges the client's certificate after the handshake, so only
    // a request tells an accepted client from a refused one.
    const request = Buffer.from([0, 0, 0, 11, 0, 18, 0, 0, 0, 0, 0, 1, 0, 1, 0x74]);
    const ask = (options: ConnectionOptions) =>
      new Promise<string>((settle) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: platform.broker.controllerPort as number, ca, ...options });
        const done = (outcome: string) => {
          socket.destroy();
          settle(outcome);
        };
        socket.setTimeout(20_000, () => done('no answer'));
        socket.once('secureConnect', () => socket.write(request));
        socket.once('data', () => done(`answered over ${socket.getProtocol()}`));
        socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
        socket.once('close', () => done('closed'));
      });
    expect(await ask(brokerCertificate)).toBe('answered over TLSv1.3');
    expect(await ask({})).toMatch(/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|ECONNRESET|closed/);
    expect(await ask({ ...brokerCertificate, maxVersion: 'TLSv1.2' })).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|ECONNRESET|closed/);
  });

  it('applies the generated ACLs idempotently and removes a rule the registry does not generate', async () => {
    const admin = platform.broker.kafka.admin();
    await admin.connect();
    try {
      await admin.createAcls({
        acl: [
          {
            principal: 'User:ingestion',
            host: '*',
            resourceType: AclResourceTypes.TOPIC,
            resourceName: topics.recordsEncrypted.name,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            operation: AclOperationTypes.READ,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    expect(await applyAcls(platform.broker.kafka, kafkaAcls())).toEqual({ created: [], deleted: 1 });
    expect(await applyAcls(platform.broker.kafka, kafkaAcls())).toEqual({ created: [], deleted: 0 });
    expect(await readAs('ingestion', topics.recordsEncrypted.name)).toBe('TOPIC_AUTHORIZATION_FAILED');
  });
});
