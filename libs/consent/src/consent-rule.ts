// A consent as medshare evaluates it: the provision tree compiled once at intake, with parsed periods.
import type { ConsentResource } from './consent-schema';
import type { TimeInterval } from './fhir-date-time';
import type { ConsentStatus, PractitionerRole } from './terminology';

/** A system and code pair (a security label, or a clinical code). */
export interface CodeRef {
  readonly system: string;
  readonly code: string;
}

export type SecurityLabel = CodeRef;

/** A label as records carry it: a label without system is one medshare cannot know. */
export interface RecordLabel {
  readonly system?: string;
  readonly code: string;
}

export interface ActorCriterion {
  readonly organization?: string;
  readonly practitioner?: string;
  /** Set only for a medshare practitioner role; participation codes add no constraint. */
  readonly role?: PractitionerRole;
}

/** One provision; criteria left undefined were absent and constrain nothing. */
export interface ConsentRule {
  /** Where it sits, e.g. `provision.provision[1]`. */
  readonly path: string;
  readonly effect: 'permit' | 'deny';
  /** False when the provision lists actions without `access`: it then never applies to reads. */
  readonly appliesToReads: boolean;
  readonly period?: TimeInterval;
  readonly actors?: readonly ActorCriterion[];
  readonly purposes?: readonly string[];
  readonly resourceTypes?: ReadonlySet<string>;
  readonly codes?: readonly CodeRef[];
  readonly securityLabels?: readonly SecurityLabel[];
  readonly dataPeriod?: TimeInterval;
  /** `ResourceType/recordId` of the records named by `data` (meaning `instance`). */
  readonly records?: ReadonlySet<string>;
  readonly exceptions: readonly ConsentRule[];
}

export interface PatientConsent {
  readonly id: string;
  /** The pseudonym from `Consent.patient.reference` (`Patient/<pseudonym>`). */
  readonly patient: string;
  readonly status: ConsentStatus;
  readonly scope: string;
  readonly root: ConsentRule;
  /** The validated resource as submitted. */
  readonly resource: ConsentResource;
}

/** Only these decide anything. */
export function isDecisive(consent: PatientConsent): boolean {
  return consent.status === 'active' && consent.scope === 'patient-privacy';
}
