// The OpenAPI documents hold for real answers: each service serves at GET /openapi.json what docs/contracts/openapi/
// holds, and representative calls of each service (successes and refusals) answer with a status the document
// lists and a body its schema accepts (ajv, JSON Schema 2020-12, as OpenAPI 3.1 says).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { issueInstitutionToken, pseudonymise } from '@medshare/crypto';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { generatePopulation, patientBundle } from '@medshare/synthetic';
import { eventually } from '../support/eventually';
import { startPrivatePlatform, type PrivatePlatform } from '../support/private-platform';
import { serviceNames, type ServiceName } from '../support/service-processes';

const run = randomBytes(4).toString('hex');
const A = `a${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: A }));
const PSEUDONYM = pseudonymise(keys.pseudonymKey(), 'https://id.medshare.example/national-health-id', `N-${run}`, A);
/** A patient as a client names one (identifier system|value): nobody holds this one. */
const PATIENT_REF = `https://id.medshare.example/national-health-id|N-${run}`;
const population = generatePopulation({ seed: `openapi-${run}`, patientsPerInstitution: 1, institutions: [{ id: A, name: 'A' }] });

type Document = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };

function documentOf(service: ServiceName): Document {
  return JSON.parse(readFileSync(resolve(__dirname, `../../docs/contracts/openapi/${service}.json`), 'utf8')) as Document;
}

/** The document's operation for a concrete path: `/v1/blocks/7` matches `/v1/blocks/{height}`, literal paths first. */
function operationOf(document: Document, method: string, path: string) {
  const templates = Object.keys(document.paths).sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')));
  const template = templates.find((candidate) => new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  return template === undefined ? undefined : document.paths[template][method.toLowerCase()];
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

interface Call {
  name: string;
  status: number;
  method?: string;
  path: string;
  auth?: 'system' | 'institution' | 'operator';
  /** Asked again (up to 30 s) until it answers `status`: what it needs arrives through Kafka. */
  eventually?: boolean;
  body?: unknown;
  contentType?: string;
}

const institutionToken = (practitioner?: string) =>
  `Bearer ${issueInstitutionToken(keys.institutionPrivateKey(A), { institution: A, ...(practitioner && { practitioner, role: 'physician' as const }), ttlSeconds: 600 })}`;

/** Representative calls per service: what works, and what is refused. */
const CALLS: Record<ServiceName, Call[]> = {
  ingestion: [
    {
      name: 'a transaction Bundle',
      status: 202,
      method: 'POST',
      path: '/v1/fhir',
      auth: 'institution',
      body: patientBundle(population.patients[0], { type: 'transaction' }),
      contentType: 'application/fhir+json',
    },
    {
      name: 'invalid FHIR',
      status: 422,
      method: 'POST',
      path: '/v1/fhir',
      auth: 'institution',
      body: { resourceType: 'Observation', status: 'nonsense' },
      contentType: 'application/fhir+json',
    },
    { name: 'no token', status: 401, method: 'POST', path: '/v1/fhir', body: { resourceType: 'Patient' }, contentType: 'application/fhir+json' },
    { name: 'text/plain', status: 415, method: 'POST', path: '/v1/fhir', auth: 'institution', body: 'x', contentType: 'text/plain' },
  ],
  encryption: [
    { name: 'key status', status: 200, path: '/v1/keys', auth: 'operator' },
    { name: 'no operator token', status: 401, path: '/v1/keys' },
    {
      name: 'a shred with free text',
      status: 400,
      method: 'POST',
      path: `/v1/patients/${PSEUDONYM}/shred`,
      auth: 'operator',
      body: { reason: 'not a ticket' },
    },
  ],
  'access-control': [
    { name: 'a role', status: 201, method: 'POST', path: '/v1/roles', auth: 'system', body: { practitioner: 'dr-1', role: 'physician' } },
    // The role reaches the decisions through Kafka: asked again until the practitioner is known.
    {
      name: 'a decision',
      status: 200,
      eventually: true,
      method: 'POST',
      path: '/v1/decisions',
      auth: 'institution',
      body: { patient: PATIENT_REF, purpose: 'TREAT' },
    },
    { name: 'a read', status: 403, path: `/v1/patients/${encodeURIComponent(PATIENT_REF)}/records?purpose=TREAT`, auth: 'institution' },
    { name: 'a read without a purpose', status: 400, path: `/v1/patients/${encodeURIComponent(PATIENT_REF)}/records`, auth: 'institution' },
    { name: 'a consent without a token', status: 401, method: 'POST', path: '/v1/consents', body: { resourceType: 'Consent' } },
    {
      name: 'a decision with an unknown field',
      status: 400,
      method: 'POST',
      path: '/v1/decisions',
      auth: 'institution',
      body: { patient: PATIENT_REF, purpose: 'TREAT', extra: 1 },
    },
  ],
  ledger: [
    { name: 'the replicas', status: 200, path: '/v1/replicas' },
    { name: 'the public key', status: 200, path: '/v1/public-key' },
    { name: 'a verification', status: 202, method: 'POST', path: '/v1/verifications' },
    { name: 'a block height that is not a number', status: 400, path: '/v1/blocks/x' },
    { name: 'an unknown verification', status: 404, path: `/v1/verifications/00000000-0000-4000-8000-000000000000` },
    { name: 'the export without a token', status: 401, path: '/v1/export' },
  ],
  governance: [
    { name: 'alerts', status: 200, path: '/v1/alerts?limit=5', auth: 'operator' },
    { name: 'the summary', status: 200, path: '/v1/summary', auth: 'operator' },
    { name: 'alerts with a bad limit', status: 400, path: '/v1/alerts?limit=0', auth: 'operator' },
    { name: 'alerts without a credential', status: 401, path: '/v1/alerts' },
    { name: 'cases', status: 200, path: '/v1/cases?state=open,acknowledged&limit=5', auth: 'operator' },
    { name: 'cases with an unknown state', status: 400, path: '/v1/cases?state=lost', auth: 'operator' },
    { name: 'an unknown case', status: 404, path: `/v1/cases/case-${'0'.repeat(40)}`, auth: 'operator' },
    { name: 'a case id that is none', status: 400, path: '/v1/cases/x', auth: 'operator' },
    {
      name: "the operator changing a case's state",
      status: 403,
      method: 'POST',
      path: `/v1/cases/case-${'0'.repeat(40)}/state`,
      auth: 'operator',
      body: { state: 'acknowledged' },
    },
    { name: 'the signed-out page', status: 200, path: '/auth/signed-out' },
  ],
};

describe('OpenAPI documents against real answers', () => {
  let platform: PrivatePlatform;

  beforeAll(async () => {
    platform = await startPrivatePlatform(`oa${run}`, { INSTITUTIONS: A, LOG_LEVEL: 'warn' });
  });

  afterAll(async () => {
    await platform?.remove();
  });

  it.each(serviceNames)('%s serves its committed document at GET /openapi.json', async (service) => {
    const response = await fetch(`${platform.service(service).baseUrl}/openapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(documentOf(service));
  });

  // Authentication before validation (issue 9): every operation that takes a credential answers 401 without one,
  // however wrong the rest of the request is (path parameters, query and body all invalid).
  const guarded = serviceNames.flatMap((service) =>
    Object.entries(documentOf(service).paths).flatMap(([path, methods]) =>
      Object.entries(methods as Record<string, { security?: Record<string, unknown>[]; requestBody?: unknown }>)
        // Routes that also answer without a credential (`{}`) and the dashboard's session-only ones (a redirect) aside.
        .filter(([, { security = [] }]) => !security.some((scheme) => Object.keys(scheme).length === 0) && security.some((scheme) => !('session' in scheme)))
        .map(([method, operation]) => [service, method.toUpperCase(), path, operation.requestBody !== undefined] as const),
    ),
  );

  it.each(guarded)('%s: %s %s without a credential answers 401 before judging the request', async (service, method, path, takesBody) => {
    const invalidPath = path.replace(/\{[^}]+\}/g, '%00');
    const response = await fetch(`${platform.service(service).baseUrl}${invalidPath}?purpose=%00&limit=-1&since=x&zz-unknown=1`, {
      method,
      ...(takesBody && { headers: { 'content-type': 'application/json' }, body: '{"resourceType":' }),
    });
    await response.arrayBuffer();
    expect(response.status).toBe(401);
  });

  // A method a path does not take is a 405 whose Allow lists what the document lists for that path; a concrete path
  // (/fhir/R4/metadata) is matched before a template (/fhir/R4/{type}), as OpenAPI says.
  const paths = serviceNames.flatMap((service) =>
    Object.entries(documentOf(service).paths).map(([path, methods]) => [service, path, Object.keys(methods)] as const),
  );

  it.each(paths)('%s: a method %s does not take answers 405 with the documented methods in Allow', async (service, path, methods) => {
    const documented = methods.map((method) => method.toUpperCase());
    const allow = [...documented, ...(documented.includes('GET') ? ['HEAD'] : [])].sort().join(', ');
    for (const method of ['OPTIONS', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((candidate) => !documented.includes(candidate))) {
      const response = await fetch(`${platform.service(service).baseUrl}${path.replace(/\{[^}]+\}/g, 'x1')}`, { method });
      await response.arrayBuffer();
      expect([method, response.status, response.headers.get('allow')]).toEqual([method, 405, allow]);
    }
  });

  const cases = serviceNames.flatMap((service) => [
    ...CALLS[service].map((call): [ServiceName, Call] => [service, call]),
    ...['/health/live', '/health/ready', '/metrics'].map((path): [ServiceName, Call] => [service, { name: path, status: 200, path }]),
  ]);

  it.each(cases.map(([service, call]) => [service, call.name, call] as const))('%s: %s answers as documented', async (service, _name, call) => {
    const method = call.method ?? 'GET';
    const headers: Record<string, string> = {};
    if (call.auth === 'system') headers.authorization = institutionToken();
    if (call.auth === 'institution') headers.authorization = institutionToken('dr-1');
    if (call.auth === 'operator') headers.authorization = `Bearer ${DEV_OPERATOR_TOKEN}`;
    if (call.body !== undefined) headers['content-type'] = call.contentType ?? 'application/json';
    const send = () =>
      fetch(`${platform.service(service).baseUrl}${call.path}`, {
        method,
        headers,
        ...(call.body !== undefined && { body: typeof call.body === 'string' ? call.body : JSON.stringify(call.body) }),
      });
    const response = call.eventually
      ? await eventually(
          async () => {
            const answer = await send();
            if (answer.status === call.status) return answer;
            await answer.arrayBuffer();
            return undefined;
          },
          { timeoutMs: 30_000, intervalMs: 250, what: `${call.name} answering ${call.status}` },
        )
      : await send();
    const text = await response.text();
    const operation = operationOf(documentOf(service), method, new URL(call.path, 'http://x').pathname);
    expect(operation).toBeDefined();
    const answer = operation?.responses[String(response.status)];
    // The call answers as meant, with a status the document lists for this operation.
    expect([response.status, answer !== undefined]).toEqual([call.status, true]);
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
    const schema = answer?.content?.[mediaType]?.schema;
    expect([mediaType, schema !== undefined || answer?.content === undefined]).toEqual([mediaType, true]);
    if (schema === undefined) return;
    const validate = ajv.compile(schema);
    const body: unknown = mediaType.endsWith('json') ? JSON.parse(text) : text;
    expect([validate(body), validate.errors ?? []]).toEqual([true, []]);
  });
});
