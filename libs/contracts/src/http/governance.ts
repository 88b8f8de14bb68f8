// The governance service's HTTP contract: alerts, cases, the summary, the dashboard and officers' sign-in. Add a
// route: one entry in `routes`.
import { z } from 'zod';
import { eventSchemas } from '../event-types';
import { caseStates } from '../events/governance';
import { jsonObject, type HttpAnswer, type HttpApi, type HttpAuth, type HttpRoute } from './openapi';

export const MAX_ALERTS_PER_PAGE = 500;

/**
 * The instants `since` may name: four-digit years in UTC. Outside them the instant is valid ISO 8601 but
 * PostgreSQL refuses it (year 0000, six-digit years), which would turn a bad query into a 500.
 */
export const SINCE_RANGE = { earliest: new Date('0001-01-01T00:00:00.000Z'), latest: new Date('9999-12-31T23:59:59.999Z') } as const;

/** An ISO instant with an offset, within SINCE_RANGE. */
const boundedInstant = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .refine((instant) => instant >= SINCE_RANGE.earliest && instant <= SINCE_RANGE.latest, 'must be an instant in the years 0001-9999 (UTC)');

/** GET /v1/alerts query string (apps/governance parses it with this schema). */
export const alertQuery = z.strictObject({
  kind: eventSchemas['governance.alert.v1'].shape.kind.optional(),
  since: boundedInstant.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_ALERTS_PER_PAGE).default(100),
});

export const MAX_CASES_PER_PAGE = 500;
export const MAX_NOTE_CHARS = 10_000;

/** GET /v1/quality: UTC days `from` to `to` (default the 30 days up to today); the operator may name one institution. */
export const qualityQuery = z.strictObject({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  institution: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be an institution id')
    .optional(),
});

/** Officers' login ids as case events carry them (actor, assignee). */
export const officerSubject = z.string().regex(/^[A-Za-z0-9._@:-]{1,128}$/, 'must be 1-128 letters, digits or . _ @ : -');

/** GET /v1/cases query string: `state` is one state or several separated by commas; `since`/`until` bound the last change. */
export const caseQuery = z.strictObject({
  state: z
    .string()
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(caseStates)).min(1).max(caseStates.length))
    .optional(),
  kind: eventSchemas['governance.alert.v1'].shape.kind.optional(),
  severity: eventSchemas['governance.alert.v1'].shape.severity.optional(),
  practitioner: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be a practitioner pseudonym')
    .optional(),
  since: boundedInstant.optional(),
  until: boundedInstant.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_CASES_PER_PAGE).default(100),
});

/** A case id as governance derives it (apps/governance/src/cases/case-rules.ts). */
export const caseParams = z.strictObject({ caseId: z.string().regex(/^case-[0-9a-f]{40}$/, 'must be a case id') });

export const caseStateBody = z.strictObject({ state: z.enum(caseStates) });
export const caseAssigneeBody = z.strictObject({ assignee: officerSubject });
export const caseNoteBody = z.strictObject({
  text: z
    .string()
    .max(MAX_NOTE_CHARS)
    .refine((text) => text.trim().length > 0, 'must not be empty'),
});

/** POST /v1/webhooks: where to send which alerts (empty kinds or severities: every one). The URL is checked by governance's allow-list. */
export const webhookSubscriptionBody = z.strictObject({
  url: z.string().min(1).max(2048),
  kinds: z.array(eventSchemas['governance.alert.v1'].shape.kind).max(64).default([]),
  severities: z.array(eventSchemas['governance.alert.v1'].shape.severity).max(3).default([]),
});
export const webhookParams = z.strictObject({ subscriptionId: z.uuid('must be a subscription id') });
/** A delivery's webhook-id as governance derives it (apps/governance/src/webhooks/webhook-rules.ts). */
export const webhookDeliveryParams = z.strictObject({ webhookId: z.string().regex(/^msg_[0-9a-f]{32}$/, 'must be a webhook-id') });
export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;
/** GET /v1/webhooks/deliveries: the delivery log, newest first. */
export const webhookDeliveryQuery = z.strictObject({
  subscription: z.uuid('must be a subscription id').optional(),
  state: z.enum(WEBHOOK_DELIVERY_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const REPORT_FORMATS = ['json', 'fhir', 'html', 'csv'] as const;

/** A FHIR token `system|value` of one of the patient's identifiers; the system an absolute URI. */
const patientToken = z
  .string()
  .max(512)
  .regex(/^[a-z][a-z0-9+.-]*:[^|\s]+\|.*\S.*$/i, 'must be a FHIR token system|value (system an absolute URI)')
  .transform((text) => ({ system: text.slice(0, text.indexOf('|')), value: text.slice(text.indexOf('|') + 1) }));

/** The query of every compliance report (apps/governance/src/reports parses it with this schema). */
export const reportQuery = z.strictObject({
  patient: patientToken.optional(),
  from: boundedInstant.optional(),
  to: boundedInstant.optional(),
  institution: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be an institution id')
    .optional(),
  format: z.enum(REPORT_FORMATS).default('json'),
});

const REPORT_CONTENT = { 'application/json': jsonObject, 'application/fhir+json': jsonObject, 'text/html': z.string(), 'text/csv': z.string() };

/** A signed-in officer's session, a privacy officer's institution token, or the operator token. */
const OFFICER: readonly HttpAuth[] = ['session', 'institution', 'operator'];
const HTML = { 'text/html': z.string() };
const refusals: Record<number, HttpAnswer> = {
  401: { description: 'not signed in, no or a wrong token' },
  403: { description: 'not an officer, or a CSRF check failed' },
};
const caseSummary = z.looseObject({ caseId: z.string(), institution: z.string(), state: z.enum(caseStates), riskScore: z.number() });
const caseChange = (what: string, body: z.ZodType): HttpRoute => ({
  method: 'post',
  path: `/v1/cases/{caseId}/${what}`,
  summary: `set the case's ${what} (privacy officer of the case's institution; a governance.case.v1 event)`,
  auth: OFFICER,
  params: caseParams,
  body: { 'application/json': body },
  answers: {
    200: { description: 'the case as it is now', content: { 'application/json': caseSummary } },
    400: { description: 'the body is wrong (named)' },
    ...refusals,
    404: { description: "no such case in the officer's view" },
    409: { description: 'the case cannot move to that state from its own' },
    415: { description: 'not application/json' },
  },
});

const webhookSubscription = z.looseObject({
  id: z.string(),
  institution: z.string(),
  url: z.string(),
  kinds: z.array(z.string()),
  severities: z.array(z.string()),
});
const webhookWithSecret = z.strictObject({ subscription: webhookSubscription, secret: z.string().startsWith('whsec_') });

/**
 * A text/event-stream body as the sequence of its events (the model of OpenAPI 3.2's itemSchema, which fuzzers
 * validate against): `data` is one alert as JSON; comments and the `retry` line carry no data.
 */
const serverSentEvents = z.array(z.looseObject({ event: z.string(), data: z.string(), id: z.string().optional(), retry: z.number().int().optional() }));

export const governanceApi: HttpApi = {
  service: 'governance',
  description:
    'Alerts from the platform-wide rules, the consumption summary, the dashboard for privacy officers and operators, and their OpenID Connect sign-in.',
  fhirPaths: [],
  routes: [
    {
      method: 'get',
      path: '/v1/alerts',
      summary: 'alerts, newest first (an officer sees those about its staff and about patients its institution holds records of)',
      auth: OFFICER,
      query: alertQuery,
      answers: {
        200: { description: 'the alerts', content: { 'application/json': z.strictObject({ alerts: z.array(jsonObject) }) } },
        400: { description: 'a query parameter is wrong (named)' },
        ...refusals,
      },
    },
    {
      method: 'get',
      path: '/v1/cases',
      summary: "cases, last changed first (an officer sees its staff's cases and those about patients it holds records of)",
      auth: OFFICER,
      query: caseQuery,
      answers: {
        200: { description: 'the cases', content: { 'application/json': z.strictObject({ cases: z.array(caseSummary) }) } },
        400: { description: 'a query parameter is wrong (named)' },
        ...refusals,
      },
    },
    {
      method: 'get',
      path: '/v1/cases/{caseId}',
      summary: 'one case with its alerts and its timeline',
      auth: OFFICER,
      params: caseParams,
      answers: {
        200: {
          description: 'the case',
          content: { 'application/json': caseSummary.extend({ alerts: z.array(jsonObject), timeline: z.array(jsonObject) }) },
        },
        400: { description: 'not a case id' },
        ...refusals,
        404: { description: "no such case in the officer's view" },
      },
    },
    caseChange('state', caseStateBody),
    caseChange('assignee', caseAssigneeBody),
    {
      method: 'get',
      path: '/v1/cases/{caseId}/notes',
      summary: "the case's notes, opened (privacy officer of the case's institution only)",
      auth: OFFICER,
      params: caseParams,
      answers: {
        200: {
          description: 'the notes, oldest first',
          content: {
            'application/json': z.strictObject({
              notes: z.array(z.strictObject({ noteId: z.string(), at: z.string(), actor: z.string().nullable(), text: z.string() })),
            }),
          },
        },
        400: { description: 'not a case id' },
        ...refusals,
        404: { description: "no such case of the officer's institution" },
      },
    },
    {
      method: 'post',
      path: '/v1/cases/{caseId}/notes',
      summary: "add a note, sealed (privacy officer of the case's institution; a governance.case.v1 event)",
      auth: OFFICER,
      params: caseParams,
      body: { 'application/json': caseNoteBody },
      answers: {
        201: { description: 'the note was added', content: { 'application/json': z.strictObject({ noteId: z.string() }) } },
        400: { description: 'the body is wrong (named)' },
        ...refusals,
        404: { description: "no such case of the officer's institution" },
        415: { description: 'not application/json' },
      },
    },
    {
      method: 'get',
      path: '/v1/quality',
      summary: 'data quality per institution and day: accepted, refused, refusal rate, duplicates, top issues (an officer sees its own institution)',
      auth: OFFICER,
      query: qualityQuery,
      answers: {
        200: { description: 'the days, newest first', content: { 'application/json': z.strictObject({ days: z.array(jsonObject) }) } },
        400: { description: 'a query parameter is wrong (named)' },
        ...refusals,
      },
    },
    {
      method: 'get',
      path: '/v1/stream',
      summary: 'new alerts as server-sent events, live',
      auth: OFFICER,
      answers: { 200: { description: 'an event stream', content: { 'text/event-stream': serverSentEvents } }, ...refusals },
    },
    {
      method: 'get',
      path: '/v1/summary',
      summary: 'alert counts, what was consumed, and dead letters per topic (platform-wide)',
      auth: OFFICER,
      answers: {
        200: {
          description: 'the summary',
          content: {
            'application/json': z.looseObject({
              alerts: jsonObject,
              consumed: jsonObject,
              deadLetters: z.array(z.strictObject({ topic: z.string(), total: z.number(), lastDay: z.number(), lastAt: z.string() })),
            }),
          },
        },
        ...refusals,
      },
    },
    {
      method: 'get',
      path: '/',
      summary: "the dashboard page; its case queue takes GET /v1/cases' filters (default: the cases still to handle)",
      // Without a session the page is not refused: the browser is sent to sign in.
      auth: ['session', 'none'],
      query: caseQuery,
      answers: {
        200: { description: 'the dashboard', content: HTML },
        302: { description: 'no session: to /auth/login' },
        400: { description: 'a filter is wrong (named)' },
        403: refusals[403],
      },
    },
    {
      method: 'get',
      path: '/cases/{caseId}',
      summary: "a case's page: facts, next steps and notes (its institution's officers), alerts, timeline",
      auth: ['session', 'none'],
      params: caseParams,
      answers: {
        200: { description: 'the case page', content: HTML },
        302: { description: 'no session: to /auth/login' },
        400: { description: 'not a case id' },
        403: refusals[403],
        404: { description: "no such case in the officer's view" },
      },
    },
    {
      method: 'get',
      path: '/auth/login',
      summary: 'start an OpenID Connect sign-in (code + PKCE)',
      auth: 'none',
      answers: { 302: { description: "to the identity provider's authorization endpoint" }, 503: { description: 'the identity provider does not answer' } },
    },
    {
      method: 'get',
      path: '/auth/callback',
      summary: "the identity provider's answer: opens a session",
      auth: 'none',
      query: z.looseObject({ state: z.string().optional(), code: z.string().optional() }),
      answers: {
        200: { description: 'signed in (sets the session cookie)', content: HTML },
        400: { description: 'no sign-in of this browser waits for this answer, or it failed' },
        503: { description: 'the identity provider does not answer' },
      },
    },
    {
      method: 'get',
      path: '/auth/me',
      summary: 'who is signed in',
      auth: OFFICER,
      answers: { 200: { description: 'the officer', content: { 'application/json': z.looseObject({ subject: z.string(), role: z.string() }) } }, ...refusals },
    },
    {
      method: 'post',
      path: '/auth/logout',
      summary: 'end the session (CSRF token required)',
      auth: 'session',
      answers: { 200: { description: 'signed out', content: { 'application/json': z.looseObject({ next: z.string() }) } }, ...refusals },
    },
    ...(['disclosures', 'access', 'erasures', 'institution'] as const).map((report): HttpRoute => ({
      method: 'get',
      path: `/v1/reports/${report}`,
      summary: `the ${report} report (format json, fhir, html or csv, as the report offers)`,
      auth: OFFICER,
      query: reportQuery,
      answers: {
        200: { description: 'the report', content: REPORT_CONTENT },
        400: { description: 'a query parameter is wrong (named), or the format is not offered' },
        ...refusals,
      },
    })),
    {
      method: 'get',
      path: '/v1/webhooks',
      summary: "webhook subscriptions (an officer sees its institution's; never a secret)",
      auth: OFFICER,
      answers: {
        200: { description: 'the subscriptions', content: { 'application/json': z.strictObject({ subscriptions: z.array(webhookSubscription) }) } },
        ...refusals,
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks',
      summary: "subscribe a receiver to the institution's alerts (privacy officer); the secret is in this answer only",
      auth: OFFICER,
      body: { 'application/json': webhookSubscriptionBody },
      answers: {
        201: { description: 'the subscription and its secret', content: { 'application/json': webhookWithSecret } },
        400: { description: 'the body is wrong or the URL is refused (named, never echoed)' },
        ...refusals,
        415: { description: 'not application/json' },
      },
    },
    {
      method: 'delete',
      path: '/v1/webhooks/{subscriptionId}',
      summary: 'delete a subscription with its deliveries and their log (privacy officer of its institution)',
      auth: OFFICER,
      params: webhookParams,
      answers: {
        204: { description: 'deleted' },
        400: { description: 'not a subscription id' },
        ...refusals,
        404: { description: "no such subscription of the officer's institution" },
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks/{subscriptionId}/secret',
      summary: 'rotate the secret: the new one is in this answer only; the previous one also signs until previousSecretUntil',
      auth: OFFICER,
      params: webhookParams,
      answers: {
        200: { description: 'the subscription and its new secret', content: { 'application/json': webhookWithSecret } },
        400: { description: 'not a subscription id' },
        ...refusals,
        404: { description: "no such subscription of the officer's institution" },
      },
    },
    {
      method: 'get',
      path: '/v1/webhooks/deliveries',
      summary: 'the delivery log, newest first: each delivery (pending, delivered, dead) with its attempts',
      auth: OFFICER,
      query: webhookDeliveryQuery,
      answers: {
        200: { description: 'the deliveries', content: { 'application/json': z.strictObject({ deliveries: z.array(jsonObject) }) } },
        400: { description: 'a query parameter is wrong (named)' },
        ...refusals,
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks/deliveries/{webhookId}/retry',
      summary: 'send a dead-lettered delivery once more, same webhook-id (privacy officer of its institution); dead again if it fails',
      auth: OFFICER,
      params: webhookDeliveryParams,
      answers: {
        200: { description: 'queued', content: { 'application/json': z.strictObject({ webhookId: z.string(), state: z.literal('pending') }) } },
        400: { description: 'not a webhook-id' },
        ...refusals,
        404: { description: "no dead delivery with this id in the officer's institution" },
      },
    },
    {
      method: 'get',
      path: '/webhooks',
      summary: "the webhooks page: the officer's subscriptions and their delivery log",
      auth: ['session', 'none'],
      answers: { 200: { description: 'the page', content: HTML }, 302: { description: 'no session: to /auth/login' }, 403: refusals[403] },
    },
    { method: 'get', path: '/auth/signed-out', summary: 'the signed-out page', auth: 'none', answers: { 200: { description: 'a page', content: HTML } } },
  ],
};
