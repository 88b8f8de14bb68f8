// The access decision: decide() settles what the request alone settles, filterRecords() the rest.
import type { AccessRequest } from './access-request';
import type { CodeRef, ConsentRule, PatientConsent, RecordLabel } from './consent-rule';
import { parseDateTime, type TimeInterval } from './fhir-date-time';
import { canPermit, deniesEverything, evaluateRecord, pruneForRequest, recordFacts, type RequestFacts, type RuleOutcome } from './provision-evaluation';
import { CLINICIAN_ROLES, type PractitionerRole, type RequestPurpose } from './terminology';

export interface RegisteredPractitioner {
  readonly institution: string;
  readonly role: PractitionerRole;
}

/** What decisions read; the service's projections implement it (ConsentIndex, AgreementIndex). */
export interface AccessState {
  readonly consents: { decisiveFor(patient: string): readonly PatientConsent[] };
  readonly agreements: { allows(holder: string, reader: string, purpose: RequestPurpose, nowMs: number): boolean };
  /** By practitioner id. */
  readonly practitioners: ReadonlyMap<string, RegisteredPractitioner>;
}

/** A record's metadata, as the holder's index knows it; the content stays encrypted. */
export interface RecordMeta {
  readonly recordId: string;
  /** The institution that holds the record. */
  readonly holder: string;
  readonly resourceType: string;
  /** As `@medshare/fhir` securityLabelsOf reads them from meta.security. */
  readonly securityLabels: readonly RecordLabel[];
  /** Effective, recorded, authored, performed or period start, as a FHIR dateTime. */
  readonly clinicalDate?: string;
  /** The record's clinical codes (e.g. Observation.code), for provisions with `code`. */
  readonly codes?: readonly CodeRef[];
}

export interface Decision {
  readonly effect: 'permit' | 'deny';
  /** False for decide()'s permit, which only says which holders to read: filterRecords() settles it. */
  readonly final: boolean;
  /** Human-readable, for the ledger and the requester's explanation. */
  readonly reasons: readonly string[];
  readonly decidingConsent?: string;
  /** Path of the provision that decided, e.g. `provision.provision[1]`, or `break-glass`. */
  readonly decidingRule?: string;
  readonly obligations: {
    readonly withheldResourceTypes: readonly string[];
    readonly withheldRecords: number;
    readonly deIdentify: boolean;
  };
  /** Every ETREAT request is alert-worthy, refused or not. */
  readonly breakGlass: boolean;
  readonly reachableHolders: readonly string[];
}

/** What filterRecords needs from decide: the request with its consents already narrowed to it. */
export interface DecisionContext {
  readonly request: AccessRequest;
  readonly requestDecision: Decision;
  readonly reachableHolders: ReadonlySet<string>;
  readonly requestedTypes: ReadonlySet<string>;
  /** Consents whose root matched the request, each tree pruned to the provisions that can match it. */
  readonly applicable: readonly { readonly consentId: string; readonly root: ConsentRule }[];
}

export interface RequestDecision {
  readonly decision: Decision;
  readonly context: DecisionContext;
}

export type WithholdingReason = 'request-refused' | 'holder-not-reachable' | 'denied-by-consent' | 'sensitive-label-not-named' | 'no-consent-permits';

export interface ReleasedRecord {
  readonly record: RecordMeta;
  readonly consentId?: string;
  readonly rule: string;
}

export interface WithheldRecord {
  readonly record: RecordMeta;
  readonly why: WithholdingReason;
  readonly consentId?: string;
  readonly rule?: string;
}

export interface Disclosure {
  readonly decision: Decision;
  readonly released: readonly ReleasedRecord[];
  readonly withheld: readonly WithheldRecord[];
}

export function decide(request: AccessRequest, state: AccessState): RequestDecision {
  const breakGlass = request.purpose === 'ETREAT';
  const nowMs = instantMs(request.now);
  const reader = request.requester.institution;
  const holders = [...new Set(request.holders)];
  const reachable = holders.filter((h) => h === reader || state.agreements.allows(h, reader, request.purpose, nowMs));
  const answer = (
    effect: 'permit' | 'deny',
    reasons: string[],
    applicable: DecisionContext['applicable'] = [],
    deciding: { consentId?: string; rule?: string } = {},
  ): RequestDecision => {
    const decision: Decision = {
      effect,
      final: effect === 'deny',
      reasons,
      breakGlass,
      reachableHolders: reachable,
      obligations: { withheldResourceTypes: [], withheldRecords: 0, deIdentify: request.purpose === 'HRESCH' },
      ...(deciding.consentId && { decidingConsent: deciding.consentId }),
      ...(deciding.rule && { decidingRule: deciding.rule }),
    };
    return {
      decision,
      context: { request, requestDecision: decision, reachableHolders: new Set(reachable), requestedTypes: new Set(request.resourceTypes), applicable },
    };
  };

  const registered = state.practitioners.get(request.requester.practitioner);
  if (!registered || registered.institution !== reader || registered.role !== request.requester.role) {
    return answer('deny', [`the requesting practitioner is not registered at ${reader} with role ${request.requester.role}`]);
  }
  if (breakGlass && !CLINICIAN_ROLES.has(registered.role)) {
    return answer('deny', [`break-glass refused: role ${registered.role} may not break the glass (physician or nurse only)`]);
  }
  if (breakGlass && (request.reason ?? '').trim() === '') {
    return answer('deny', ['break-glass refused: a non-blank reason is mandatory']);
  }
  if (reachable.length === 0) {
    // One answer whether nobody holds the patient or nobody reachable does: a probe learns nothing about who exists.
    return answer('deny', [`no holder is reachable: no active agreement covers now and lists ${request.purpose} for ${reader}`]);
  }
  const consents = state.consents.decisiveFor(request.patient);
  // Pruned even for break-glass, so the ledger can tell how much the emergency overrode.
  const applicable = applicableConsents(consents, requestFacts(request, registered.role, nowMs));
  if (breakGlass) {
    return answer(
      'permit',
      [`break-glass (ETREAT) by a ${registered.role} of ${reader}, with a reason: consent denies and label withholding are overridden`],
      applicable,
      { rule: 'break-glass' },
    );
  }
  if (consents.length === 0) {
    return answer('deny', ['no active patient-privacy consent: default deny']);
  }
  const totalDeny = applicable.find((a) => deniesEverything(a.root));
  if (totalDeny) {
    return answer('deny', [`consent ${totalDeny.consentId} denies this request at ${totalDeny.root.path}`], [], {
      consentId: totalDeny.consentId,
      rule: totalDeny.root.path,
    });
  }
  if (!applicable.some((a) => canPermit(a.root))) {
    return answer('deny', [`no active consent permits ${request.purpose} reads by ${reader} (${registered.role}): default deny`]);
  }
  return answer('permit', [`${applicable.length} applicable consent(s): records are evaluated one by one`], applicable);
}

function requestFacts(request: AccessRequest, registeredRole: PractitionerRole, nowMs: number): RequestFacts {
  return {
    institution: request.requester.institution,
    practitioner: request.requester.practitioner,
    registeredRole,
    purpose: request.purpose,
    nowMs,
  };
}

/** The consents whose root matches the request, each pruned to what can match it. */
function applicableConsents(consents: readonly PatientConsent[], facts: RequestFacts): DecisionContext['applicable'] {
  const applicable: { consentId: string; root: ConsentRule }[] = [];
  for (const consent of consents) {
    const root = pruneForRequest(consent.root, facts);
    if (root) applicable.push({ consentId: consent.id, root });
  }
  return applicable;
}

/** Per record: which of the holders' records the requester gets, and the final decision. */
export function filterRecords(context: DecisionContext, records: readonly RecordMeta[]): Disclosure {
  const { request, requestDecision } = context;
  const released: ReleasedRecord[] = [];
  const withheld: WithheldRecord[] = [];
  for (const record of records) {
    if (!context.requestedTypes.has(record.resourceType)) continue;
    if (requestDecision.final) withheld.push({ record, why: 'request-refused' });
    else if (!context.reachableHolders.has(record.holder)) withheld.push({ record, why: 'holder-not-reachable' });
    else if (requestDecision.breakGlass) released.push({ record, rule: 'break-glass' });
    else {
      const outcome = outcomeForRecord(context, record);
      if ('why' in outcome) withheld.push(outcome);
      else released.push(outcome);
    }
  }
  if (requestDecision.final) {
    return { decision: { ...requestDecision, obligations: obligationsFor(withheld, requestDecision.obligations.deIdentify) }, released, withheld };
  }
  const deciding = released[0] ?? withheld.find((w) => w.why === 'denied-by-consent') ?? withheld.find((w) => w.consentId !== undefined);
  const reasons = requestDecision.breakGlass ? [...requestDecision.reasons, ...breakGlassOverrides(context, released)] : [];
  const decision: Decision = {
    effect: released.length > 0 ? 'permit' : 'deny',
    final: true,
    reasons: [...reasons, ...summarise(released, withheld)],
    breakGlass: requestDecision.breakGlass,
    reachableHolders: requestDecision.reachableHolders,
    obligations: obligationsFor(withheld, request.purpose === 'HRESCH'),
    ...(deciding?.consentId && { decidingConsent: deciding.consentId }),
    ...(deciding?.rule && { decidingRule: deciding.rule }),
  };
  return { decision, released, withheld };
}

/** Across consents, per record: any deny wins, else a permit that releases the labels, else deny. */
function outcomeForRecord(context: DecisionContext, record: RecordMeta): ReleasedRecord | WithheldRecord {
  const facts = recordFacts(record, clinicalInterval(record.clinicalDate));
  let permit: { consentId: string; outcome: RuleOutcome } | undefined;
  for (const { consentId, root } of context.applicable) {
    const outcome = evaluateRecord(root, facts);
    if (outcome === null) continue;
    if (outcome.effect === 'deny') return { record, why: 'denied-by-consent', consentId, rule: outcome.rule };
    if (!permit || (!permit.outcome.releasesLabels && outcome.releasesLabels)) permit = { consentId, outcome };
  }
  if (!permit) return { record, why: 'no-consent-permits' };
  if (!permit.outcome.releasesLabels) {
    return { record, why: 'sensitive-label-not-named', consentId: permit.consentId, rule: permit.outcome.rule };
  }
  return { record, consentId: permit.consentId, rule: permit.outcome.rule };
}

/** For the ledger: how many released records consent and labels alone would have withheld. */
function breakGlassOverrides(context: DecisionContext, released: readonly ReleasedRecord[]): string[] {
  if (released.length === 0) return [];
  const overridden = released.filter(({ record }) => 'why' in outcomeForRecord(context, record)).length;
  return [`break-glass released ${released.length} record(s), ${overridden} of which consent evaluation alone would have withheld`];
}

function obligationsFor(withheld: readonly WithheldRecord[], deIdentify: boolean): Decision['obligations'] {
  return {
    withheldResourceTypes: [...new Set(withheld.map((w) => w.record.resourceType))].sort(),
    withheldRecords: withheld.length,
    deIdentify,
  };
}

/** One line per (outcome, consent, rule), with its count, in first-seen order. */
function summarise(released: readonly ReleasedRecord[], withheld: readonly WithheldRecord[]): string[] {
  // Few groups per request: found by comparing the outcome's own strings, so no key string is built per record.
  const groups: { why?: string; consentId?: string; rule?: string; count: number }[] = [];
  const add = (why: string | undefined, consentId: string | undefined, rule: string | undefined) => {
    const group = groups.find((g) => g.why === why && g.consentId === consentId && g.rule === rule);
    if (group) group.count += 1;
    else groups.push({ why, consentId, rule, count: 1 });
  };
  for (const r of released) add(undefined, r.consentId, r.rule);
  for (const w of withheld) add(w.why, w.consentId, w.consentId ? w.rule : undefined);
  if (groups.length === 0) return ['no record of the requested types was found'];
  return groups.map(({ why, consentId, rule, count }) => {
    const line =
      why === undefined
        ? consentId
          ? `released by consent ${consentId} at ${rule}`
          : `released by ${rule}`
        : `withheld (${why})${consentId ? ` by consent ${consentId} at ${rule}` : ''}`;
    return `${count} record(s) ${line}`;
  });
}

// Records' clinical dates repeat (days, months): each distinct one is parsed once. Bounded: cleared when full.
const clinicalIntervals = new Map<string, TimeInterval | undefined>();
const CLINICAL_INTERVALS_KEPT = 10_000;

function clinicalInterval(clinicalDate: string | undefined): TimeInterval | undefined {
  if (clinicalDate === undefined) return undefined;
  if (clinicalIntervals.has(clinicalDate)) return clinicalIntervals.get(clinicalDate);
  const parsed = parseDateTime(clinicalDate);
  const interval = parsed.ok ? parsed.interval : undefined;
  if (clinicalIntervals.size >= CLINICAL_INTERVALS_KEPT) clinicalIntervals.clear();
  clinicalIntervals.set(clinicalDate, interval);
  return interval;
}

function instantMs(instant: string): number {
  const parsed = parseDateTime(instant);
  if (!parsed.ok) throw new Error(`request.now is not an instant: ${parsed.problem}`);
  return parsed.interval.start;
}
