// Strict intake of FHIR R4 Consent: validate, reject what medshare cannot honour, compile the tree.
import { CONSENT_ELEMENTS, consentSchema, type ConsentResource, type ProvisionJson } from './consent-schema';
import type { ActorCriterion, ConsentRule, PatientConsent } from './consent-rule';
import { parseDateTime, periodInterval, type TimeInterval } from './fhir-date-time';
import { emptyElementIssues, fromZodIssues, issue, mergeIssues, tooDeepIssues, type Issue } from './issues';
import { SYSTEM, type PractitionerRole } from './terminology';

export type ConsentIntake = { ok: true; consent: PatientConsent } | { ok: false; issues: Issue[] };

const ROOT = 'Consent';

export function parseConsent(json: unknown): ConsentIntake {
  const tooDeep = tooDeepIssues(ROOT, json);
  if (tooDeep.length > 0) return { ok: false, issues: tooDeep };
  // Rules across elements run on the raw input too, so one answer lists every problem.
  const crossIssues = ruleIssues(json);
  const emptyIssues = emptyElementIssues(ROOT, json, CONSENT_ELEMENTS);
  const parsed = consentSchema.safeParse(json, { reportInput: true });
  const schemaIssues = parsed.success ? [] : fromZodIssues(ROOT, parsed.error.issues);
  const issues = mergeIssues([...emptyIssues, ...crossIssues], schemaIssues);
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  return { ok: true, consent: compileConsent(parsed.data) };
}

type Loose = Record<string, unknown>;
const asObject = (value: unknown): Loose | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined);

/** Rules across elements that the schema alone does not express. */
function ruleIssues(json: unknown): Issue[] {
  const resource = asObject(json);
  if (!resource) return [];
  const issues: Issue[] = [];
  const provision = asObject(resource['provision']);
  if (resource['policy'] === undefined && resource['policyRule'] === undefined) {
    issues.push(issue('invariant', ROOT, [], 'a consent needs policy or policyRule (ppc-1)'));
  }
  if (provision?.['type'] === undefined && resource['policyRule'] === undefined) {
    issues.push(
      issue(
        'invariant',
        ROOT,
        provision ? ['provision'] : [],
        'the root provision has no type and there is no policyRule (OPTIN or OPTOUT) to tell permit from deny',
      ),
    );
  }
  if (provision) untypedExceptions(provision, ['provision'], issues);
  return issues;
}

function untypedExceptions(node: Loose, path: (string | number)[], issues: Issue[]): void {
  const children = node['provision'];
  if (!Array.isArray(children)) return;
  children.forEach((item, index) => {
    const child = asObject(item);
    if (!child) return;
    const childPath = [...path, 'provision', index];
    if (child['type'] === undefined) {
      issues.push(issue('required', ROOT, [...childPath, 'type'], 'a nested provision must say permit or deny'));
    }
    untypedExceptions(child, childPath, issues);
  });
}

function compileConsent(resource: ConsentResource): PatientConsent {
  const policyRule = resource.policyRule?.coding[0]?.code;
  const rootEffect = resource.provision?.type ?? (policyRule === 'OPTIN' ? 'permit' : 'deny');
  return {
    id: resource.id,
    patient: resource.patient.reference.slice('Patient/'.length),
    status: resource.status,
    scope: resource.scope.coding[0]!.code,
    root: compileProvision(resource.provision ?? {}, rootEffect, resource.provision ? 'provision' : 'policyRule'),
    resource,
  };
}

function compileProvision(node: ProvisionJson, effect: 'permit' | 'deny', path: string): ConsentRule {
  const actions = node.action?.flatMap((a) => a.coding.map((c) => c.code));
  return {
    path,
    effect,
    appliesToReads: actions === undefined || actions.includes('access'),
    ...(node.period && { period: toInterval(node.period) }),
    ...(node.actor && { actors: node.actor.map(compileActor) }),
    ...(node.purpose && { purposes: node.purpose.map((c) => c.code) }),
    ...(node.class && { resourceTypes: new Set(node.class.map((c) => c.code)) }),
    ...(node.code && { codes: node.code.flatMap((cc) => cc.coding.map(({ system, code }) => ({ system, code }))) }),
    ...(node.securityLabel && { securityLabels: node.securityLabel.map(({ system, code }) => ({ system, code })) }),
    ...(node.dataPeriod && { dataPeriod: toInterval(node.dataPeriod) }),
    ...(node.data && { records: new Set(node.data.map((d) => d.reference.reference)) }),
    exceptions: (node.provision ?? []).map((child, index) => compileProvision(child, child.type!, `${path}.provision[${index}]`)),
  };
}

function compileActor(actor: NonNullable<ProvisionJson['actor']>[number]): ActorCriterion {
  const [type, id] = actor.reference?.reference.split('/') ?? [];
  const role = actor.role?.coding[0];
  return {
    ...(type === 'Organization' && { organization: id }),
    ...(type === 'Practitioner' && { practitioner: id }),
    ...(role?.system === SYSTEM.medshareRole && { role: role.code as PractitionerRole }),
  };
}

function toInterval(period: { start?: string | undefined; end?: string | undefined }): TimeInterval {
  const bound = (text: string | undefined) => {
    const parsed = text === undefined ? undefined : parseDateTime(text);
    return parsed?.ok ? parsed.interval : undefined;
  };
  return periodInterval(bound(period.start), bound(period.end));
}

/**
 * Only an institution that holds the patient may submit their consent; the caller answers 403 on
 * a `forbidden` issue.
 */
export function checkConsentSubmitter(
  consent: PatientConsent,
  submittedBy: string,
  institutionsHolding: (patient: string) => ReadonlySet<string>,
): { ok: true } | { ok: false; issue: Issue } {
  if (institutionsHolding(consent.patient).has(submittedBy)) return { ok: true };
  return {
    ok: false,
    issue: issue('forbidden', ROOT, ['patient'], 'the submitting institution holds no records of this patient and may not submit their consent'),
  };
}
