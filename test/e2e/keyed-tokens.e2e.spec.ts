// Keyed tokens end to end (docs/keyed-tokens.md): ingestion publishes tokens of a Patient's and a Practitioner's
// family name and address, the identity topic carries none of the plaintext, and governance's household-access rule
// fires for a practitioner who reads a patient with their family name and address, and not for one without.
import { randomBytes, randomUUID } from 'node:crypto';
import { topics, type EventOf, type MedshareEvent } from '@medshare/contracts';
import { TOKEN_DOMAINS, keyedToken, practitionerPseudonym, pseudonymise } from '@medshare/crypto';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, queryRows, testEndpoints } from '../support/endpoints';
import { consistently, eventually } from '../support/eventually';
import { postFhir, startIngestionStack, type IngestionStack } from '../support/ingestion-stack';
import { freePorts } from '../support/ports';
import { permitDecision } from '../support/events';
import { startService, type RunningService } from '../support/service-processes';
import { readTopic, topicEnds, type Offsets } from '../support/topic-reader';

const run = randomBytes(4).toString('hex');
const endpoints = testEndpoints();
const NATIONAL = 'https://id.medshare.example/national-health-id';
const key = new PlatformKeys(platformKeysSchema.parse({})).pseudonymKey();
/** Plaintexts unique to this run: if any reaches the topic, the scan below finds it. */
const FAMILY = `Kanary${run}`;
const STREET = `${run} Canary Lane`;
const OTHER_FAMILY = `Otherkanary${run}`;
const operator = { headers: { authorization: `Bearer ${DEV_OPERATOR_TOKEN}` } };
const governanceDatabase = `governance_tokens_${run}`;

interface StoredAlert {
  kind: string;
  details: Record<string, unknown> | null;
}

describe('keyed tokens from ingestion to governance', () => {
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: `keyed-tokens-${run}` });
  let stack: IngestionStack;
  let governance: RunningService;
  let publisher: EventPublisher;
  let identityStart: Offsets;
  const nationalId = `NAT-${run}`;
  const patient = pseudonymise(key, NATIONAL, nationalId, 'hosp-a');
  const relative = practitionerPseudonym(key, `dr-rel-${run}`);
  const stranger = practitionerPseudonym(key, `dr-str-${run}`);

  beforeAll(async () => {
    identityStart = await topicEnds(kafka, topics.identity.name);
    stack = await startIngestionStack(`tokens${run}`, endpoints.kafkaBrokers);
    const [port] = await freePorts(21000, 29000, 1);
    governance = await startService('governance', {
      port,
      instance: `governance-tokens-${run}`,
      env: {
        DATABASE_URL: databaseUrl(endpoints.stateServer, governanceDatabase),
        KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        KAFKA_GROUP_ID: `governance-tokens-${run}`,
        DECISIONS_REPLAY_MS: '60000',
      },
    });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
  }, 180_000);

  afterAll(() =>
    closeAll([() => publisher?.disconnect(), () => governance?.stop(), () => stack?.remove(), () => dropDatabase(endpoints.stateServer, governanceDatabase)]),
  );

  it('publishes tokens, never the names or addresses, for a Patient and two Practitioners', async () => {
    const home = { use: 'home', line: [STREET], city: 'Springfield', postalCode: 'SP1 1AA' };
    const submissions = [
      {
        resourceType: 'Patient',
        identifier: [{ system: NATIONAL, value: nationalId }],
        name: [{ family: FAMILY, given: ['Ann'] }],
        address: [home],
        meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'CELEB' }] },
      },
      // The same name and address, spelled differently: normalisation makes them the same tokens.
      {
        resourceType: 'Practitioner',
        id: `dr-rel-${run}`,
        name: [{ family: ` ${FAMILY.toUpperCase()}.` }],
        address: [{ ...home, line: [STREET.toLowerCase()] }],
      },
      { resourceType: 'Practitioner', id: `dr-str-${run}`, name: [{ family: OTHER_FAMILY }], address: [{ line: ['1 Elsewhere Road'], city: 'Shelbyville' }] },
    ];
    for (const resource of submissions) expect((await postFhir(stack.ingestion.baseUrl, resource)).status).toBe(202);

    const messages = await readTopic(kafka, topics.identity.name, { from: identityStart });
    const raw = messages.map((message) => `${message.key?.toString() ?? ''}\n${message.value?.toString() ?? ''}`).join('\n');
    for (const plain of [FAMILY, FAMILY.toLowerCase(), STREET, STREET.toLowerCase(), OTHER_FAMILY, nationalId, `dr-rel-${run}`])
      expect(raw).not.toContain(plain);

    const events = messages.map((message) => JSON.parse(message.value?.toString() ?? '') as MedshareEvent);
    const patientTokens = events.find(
      (event): event is EventOf<'identity.patient-tokens.v1'> => event.type === 'identity.patient-tokens.v1' && event.data.patient === patient,
    );
    const roster = (practitioner: string) =>
      events.find(
        (event): event is EventOf<'identity.practitioner-tokens.v1'> =>
          event.type === 'identity.practitioner-tokens.v1' && event.data.practitioner === practitioner,
      );
    expect(patientTokens?.data).toEqual({
      institution: 'hosp-a',
      patient,
      familyName: [keyedToken(key, TOKEN_DOMAINS.familyName, FAMILY)],
      address: [keyedToken(key, TOKEN_DOMAINS.address, `${STREET} Springfield SP1 1AA`)],
      securityLabels: ['CELEB'],
    });
    expect(roster(relative)?.data).toMatchObject({ familyName: patientTokens?.data.familyName, address: patientTokens?.data.address });
    expect(roster(stranger)?.data.familyName).not.toEqual(patientTokens?.data.familyName);
  });

  it('raises household-access for the relative reading the patient, and not for the stranger', async () => {
    // Judged live against the state read so far: wait until governance holds the three rows.
    await eventually(
      async () => {
        const rows = await queryRows<{ n: string }>(
          databaseUrl(endpoints.stateServer, governanceDatabase),
          `SELECT (SELECT count(*) FROM practitioner_tokens WHERE practitioner = ANY($1)) + (SELECT count(*) FROM patient_tokens WHERE patient = $2) AS n`,
          [[relative, stranger], patient],
        );
        return Number(rows[0]?.n) === 3 ? true : undefined;
      },
      { what: "governance's copy of the tokens", timeoutMs: 120_000, intervalMs: 500 },
    );
    // One patient: one partition, so the stranger's read is judged before the relative's.
    await publisher.publish(
      topics.accessDecisions,
      [stranger, relative].map((practitioner) => permitDecision(randomUUID(), patient, practitioner, 'physician')),
    );

    const household = async () => {
      const response = await fetch(`${governance.baseUrl}/v1/alerts?kind=household-access&limit=500`, operator);
      return ((await response.json()) as { alerts: StoredAlert[] }).alerts.filter((alert) =>
        [relative, stranger].includes(alert.details?.practitioner as string),
      );
    };
    const raised = await eventually(async () => ((await household()).length > 0 ? household() : undefined), {
      what: 'the household-access alert',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    expect(raised).toEqual([
      expect.objectContaining({
        kind: 'household-access',
        details: expect.objectContaining({ practitioner: relative, sameAddress: true, sameFamilyName: true }),
      }),
    ]);
    await consistently(
      async () => {
        const alerted = (await household()).map((alert) => alert.details?.practitioner);
        return alerted.length === 1 && alerted[0] === relative;
      },
      { forMs: 3000, intervalMs: 500, what: 'only the relative alerted' },
    );
  });
});
