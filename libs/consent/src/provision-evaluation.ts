// The provision tree walk: request-level criteria once per request, record-level ones per record.
import type { ActorCriterion, CodeRef, ConsentRule, RecordLabel, SecurityLabel } from './consent-rule';
import { contains, overlaps, type TimeInterval } from './fhir-date-time';
import { labelsNeedingRelease, matchesLabelCriterion, releasedBy } from './security-labels';
import { purposeCovers, type PractitionerRole } from './terminology';

/** Who asks, why and when: everything a provision can test that does not depend on the record. */
export interface RequestFacts {
  readonly institution: string;
  readonly practitioner: string;
  readonly registeredRole: PractitionerRole;
  readonly purpose: string;
  readonly nowMs: number;
}

/** What a provision can test about one record. */
export interface RecordFacts {
  readonly recordId: string;
  readonly resourceType: string;
  readonly securityLabels: readonly RecordLabel[];
  readonly codes: readonly CodeRef[];
  /** The clinical date as an interval, absent when the record has none. */
  readonly clinicalDate?: TimeInterval;
  /** The labels that withhold the record unless named on the permitting path. */
  readonly needingRelease: readonly RecordLabel[];
}

export interface RuleOutcome {
  readonly effect: 'permit' | 'deny';
  /** Path of the deepest matching provision that decided. */
  readonly rule: string;
  /** For a permit: whether the provisions on its path name every label that needs naming. */
  readonly releasesLabels: boolean;
}

export function recordFacts(
  record: { recordId: string; resourceType: string; securityLabels: readonly RecordLabel[]; codes?: readonly CodeRef[] },
  clinicalDate: TimeInterval | undefined,
): RecordFacts {
  return {
    recordId: record.recordId,
    resourceType: record.resourceType,
    securityLabels: record.securityLabels,
    codes: record.codes ?? [],
    ...(clinicalDate && { clinicalDate }),
    needingRelease: labelsNeedingRelease(record.securityLabels),
  };
}

/**
 * The tree with every provision that cannot match this request removed, with its exceptions (an
 * exception is looked at only when its parent matched); null when the root does not match, i.e.
 * the consent says nothing about the request.
 */
export function pruneForRequest(rule: ConsentRule, request: RequestFacts): ConsentRule | null {
  if (!matchesRequest(rule, request)) return null;
  const exceptions: ConsentRule[] = [];
  for (const child of rule.exceptions) {
    const pruned = pruneForRequest(child, request);
    if (pruned) exceptions.push(pruned);
  }
  return { ...rule, exceptions };
}

function matchesRequest(rule: ConsentRule, request: RequestFacts): boolean {
  if (!rule.appliesToReads) return false;
  if (rule.period && !(rule.period.start <= request.nowMs && request.nowMs <= rule.period.end)) return false;
  if (rule.purposes && !rule.purposes.some((granted) => purposeCovers(granted, request.purpose))) return false;
  if (rule.actors && !rule.actors.some((actor) => actorMatches(actor, request))) return false;
  return true;
}

function actorMatches(actor: ActorCriterion, request: RequestFacts): boolean {
  if (actor.organization !== undefined && actor.organization !== request.institution) return false;
  if (actor.practitioner !== undefined && actor.practitioner !== request.practitioner) return false;
  if (actor.role !== undefined && actor.role !== request.registeredRole) return false;
  return true;
}

/** True when some provision of the (pruned) tree permits: otherwise the consent can only deny. */
export function canPermit(rule: ConsentRule): boolean {
  return rule.effect === 'permit' || rule.exceptions.some(canPermit);
}

/** True when the provision denies every record this request could read. */
export function deniesEverything(rule: ConsentRule): boolean {
  return rule.effect === 'deny' && rule.exceptions.length === 0 && !hasRecordCriteria(rule);
}

function hasRecordCriteria(rule: ConsentRule): boolean {
  return (
    rule.resourceTypes !== undefined ||
    rule.codes !== undefined ||
    rule.securityLabels !== undefined ||
    rule.dataPeriod !== undefined ||
    rule.records !== undefined
  );
}

/**
 * Walks a pruned tree for one record: a provision that does not match says nothing; one that
 * matches lets its matching exceptions decide (deny wins among siblings), else decides itself.
 */
export function evaluateRecord(rule: ConsentRule, record: RecordFacts, namedAbove: readonly SecurityLabel[] = []): RuleOutcome | null {
  if (!matchesRecord(rule, record)) return null;
  const named = rule.securityLabels ? [...namedAbove, ...rule.securityLabels] : namedAbove;
  let permit: RuleOutcome | null = null;
  for (const child of rule.exceptions) {
    const outcome = evaluateRecord(child, record, named);
    if (outcome === null) continue;
    if (outcome.effect === 'deny') return outcome;
    if (permit === null || (!permit.releasesLabels && outcome.releasesLabels)) permit = outcome;
  }
  if (permit) return permit;
  return {
    effect: rule.effect,
    rule: rule.path,
    releasesLabels: rule.effect === 'permit' && releasedBy(record.needingRelease, named),
  };
}

function matchesRecord(rule: ConsentRule, record: RecordFacts): boolean {
  if (rule.resourceTypes && !rule.resourceTypes.has(record.resourceType)) return false;
  if (rule.records && !rule.records.has(`${record.resourceType}/${record.recordId}`)) return false;
  if (rule.codes && !rule.codes.some((c) => record.codes.some((r) => r.system === c.system && r.code === c.code))) return false;
  if (rule.securityLabels && !matchesLabelCriterion(rule.securityLabels, record.securityLabels)) return false;
  if (rule.dataPeriod) {
    if (!record.clinicalDate) return false;
    // A partial clinical date is uncertain: a permit needs all of it inside, a deny takes any overlap.
    const covered = rule.effect === 'permit' ? contains(rule.dataPeriod, record.clinicalDate) : overlaps(rule.dataPeriod, record.clinicalDate);
    if (!covered) return false;
  }
  return true;
}
