// The HTTP contract of a service as data: one entry per route (method, path, the zod schemas of what it takes and
// answers), turned into an OpenAPI 3.1 document. The services validate with the same schemas where they parse.
import { z } from 'zod';
import { jsonSchemaOf, type JsonSchema } from '../published/json-schema';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Who may call: nobody in particular, an institution's signed token, or one of the platform's role tokens. */
export type HttpAuth = 'none' | 'institution' | 'operator' | 'auditor-or-operator' | 'session';

export interface HttpAnswer {
  description: string;
  /** Media type → schema of the body; none for an answer without a body. */
  content?: Record<string, z.ZodType>;
  /** Response headers the route sets, with what they mean. */
  headers?: Record<string, string>;
}

export interface HttpRoute {
  method: HttpMethod;
  /** OpenAPI path template: `/v1/blocks/{height}`. */
  path: string;
  summary: string;
  /** Who may call; several: any one of them. */
  auth: HttpAuth | readonly HttpAuth[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers by name (lower case) with their schema. */
  headers?: z.ZodObject;
  /** Media type → schema of the body. */
  body?: Record<string, z.ZodType>;
  /** By status; error statuses get the service's error shape unless given. */
  answers: Record<number, HttpAnswer>;
}

export interface HttpApi {
  service: string;
  description: string;
  /** Path prefixes whose errors are FHIR OperationOutcomes (as the service's error filter renders them). */
  fhirPaths: readonly string[];
  routes: readonly HttpRoute[];
}

/** RFC 9457 problem details as service-kit renders them: codes and element paths, never the caller's values. */
export const problemDetails = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  errors: z.array(z.looseObject({ detail: z.string(), expression: z.array(z.string()).optional() })).optional(),
  moreErrors: z.number().int().optional(),
});

export const operationOutcome = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z
    .array(
      z.looseObject({
        severity: z.enum(['fatal', 'error', 'warning', 'information']),
        code: z.string(),
        details: z.looseObject({ text: z.string() }).optional(),
        expression: z.array(z.string()).optional(),
      }),
    )
    .min(1),
});

/** Path segments of the FHIR REST API: a resource type name, a resource id (FHIR R4 `id`). */
export const FHIR_TYPE_PATTERN = /^[A-Z][A-Za-z]{1,63}$/;
export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
export const fhirTypeAndId = z.object({ type: z.string().regex(FHIR_TYPE_PATTERN), id: z.string().regex(FHIR_ID_PATTERN) });

/** Any JSON object: for answers whose shape another contract owns (FHIR resources, Bundles). */
export const jsonObject = z.looseObject({});

/** The routes every service has (libs/service-kit): health, metrics and this document. */
export const platformRoutes: readonly HttpRoute[] = [
  {
    method: 'get',
    path: '/health/live',
    summary: 'liveness',
    auth: 'none',
    answers: { 200: { description: 'the process answers', content: { 'application/json': z.strictObject({ status: z.literal('ok') }) } } },
  },
  {
    method: 'get',
    path: '/health/ready',
    summary: 'readiness: Kafka, PostgreSQL and what the service registered',
    auth: 'none',
    answers: {
      200: { description: 'ready', content: { 'application/json': z.strictObject({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }) } },
      503: {
        description: 'not ready (or shutting down): the state of every check',
        content: { 'application/json': z.strictObject({ status: z.literal('not-ready'), checks: z.record(z.string(), z.string()) }) },
      },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    auth: 'none',
    answers: { 200: { description: 'text exposition format', content: { 'text/plain': z.string() } } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'this OpenAPI document',
    auth: 'none',
    answers: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': jsonObject } } },
  },
];

const SECURITY: Record<Exclude<HttpAuth, 'none'>, Record<string, unknown>> = {
  institution: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: "an institution's signed token (EdDSA), `npx medshare token` in development",
  },
  operator: { type: 'http', scheme: 'bearer', description: 'the operator token (OPERATOR_TOKEN)' },
  'auditor-or-operator': { type: 'http', scheme: 'bearer', description: 'the auditor token (AUDITOR_TOKEN) or the operator token' },
  session: { type: 'apiKey', in: 'cookie', name: 'medshare_gov_session', description: 'a signed-in officer session (OpenID Connect)' },
};

function schemesOf(route: HttpRoute): Exclude<HttpAuth, 'none'>[] {
  return (typeof route.auth === 'string' ? [route.auth] : [...route.auth]).filter((auth): auth is Exclude<HttpAuth, 'none'> => auth !== 'none');
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = jsonSchemaOf(schema, { io });
  return rest;
}

function parameters(route: HttpRoute): unknown[] {
  const of = (where: 'path' | 'query' | 'header', object: z.ZodObject | undefined) => {
    if (object === undefined) return [];
    const schema = schemaOf(object, 'input');
    const required = new Set(schema.required ?? []);
    return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema: property,
    }));
  };
  return [...of('path', route.params), ...of('query', route.query), ...of('header', route.headers)];
}

function isFhir(api: HttpApi, path: string): boolean {
  return api.fhirPaths.some((prefix) => prefix === '/' || path === prefix || path.startsWith(`${prefix}/`));
}

function operation(api: HttpApi, route: HttpRoute): Record<string, unknown> {
  const errorContent = isFhir(api, route.path) ? { 'application/fhir+json': operationOutcome } : { 'application/problem+json': problemDetails };
  const responses = Object.fromEntries(
    Object.entries(route.answers).map(([status, answer]) => {
      const content = answer.content ?? (Number(status) >= 400 ? errorContent : undefined);
      return [
        status,
        {
          description: answer.description,
          ...(answer.headers && {
            headers: Object.fromEntries(Object.entries(answer.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])),
          }),
          ...(content && { content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema: schemaOf(schema, 'output') }])) }),
        },
      ];
    }),
  );
  const params = parameters(route);
  return {
    operationId: `${route.method}${route.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_match, next: string | undefined) => (next ?? '').toUpperCase())}`,
    summary: route.summary,
    ...(params.length > 0 && { parameters: params }),
    ...(route.body && {
      requestBody: {
        required: true,
        content: Object.fromEntries(Object.entries(route.body).map(([type, schema]) => [type, { schema: schemaOf(schema, 'input') }])),
      },
    }),
    responses,
    // `{}` among the alternatives: the route also answers without a credential (OpenAPI's optional security).
    security: [...schemesOf(route).map((scheme) => ({ [scheme]: [] })), ...([route.auth].flat().includes('none') && schemesOf(route).length > 0 ? [{}] : [])],
  };
}

/** The OpenAPI 3.1 document of a service: its routes and the platform's, schemas in JSON Schema 2020-12. */
export function openApiDocument(api: HttpApi): Record<string, unknown> {
  const routes = [...api.routes, ...platformRoutes];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) paths[route.path] = { ...paths[route.path], [route.method]: operation(api, route) };
  const used = new Set(routes.flatMap(schemesOf));
  return {
    openapi: '3.1.0',
    info: {
      title: `medshare ${api.service}`,
      version: '1.0.0',
      description: `${api.description} Generated from libs/contracts/src/http (\`npx medshare contracts\`).`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: { securitySchemes: Object.fromEntries([...used].sort().map((auth) => [auth, SECURITY[auth]])) },
  };
}
