// Public API of @medshare/consent: the pure core of the access-control service's decisions.
export { parseConsent, checkConsentSubmitter, type ConsentIntake } from './consent-intake';
export type { ConsentResource } from './consent-schema';
export { recordableConsent, type PlatformNames } from './consent-record';
export { isVocabularyLabelSystem } from './security-labels';
export type { PatientConsent, ConsentRule, ActorCriterion, SecurityLabel, RecordLabel, CodeRef } from './consent-rule';
export { isDecisive } from './consent-rule';
export { ConsentIndex } from './consent-index';
export { parseAgreement, AgreementIndex, type DataSharingAgreement, type AgreementJson, type AgreementIntake } from './agreement';
export { parseAccessRequest, type AccessRequest, type AccessRequestIntake } from './access-request';
export {
  decide,
  filterRecords,
  type AccessState,
  type RegisteredPractitioner,
  type RecordMeta,
  type Decision,
  type DecisionContext,
  type RequestDecision,
  type Disclosure,
  type ReleasedRecord,
  type WithheldRecord,
  type WithholdingReason,
} from './decision';
export { deIdentify } from './de-identify';
export { fromZodIssues, nestsDeeperThan, MAX_JSON_DEPTH, type Issue, type IssueCode } from './issues';
export { parseDateTime, type TimeInterval } from './fhir-date-time';
export { R4_RESOURCE_TYPES, isR4ResourceType, type R4ResourceType } from './r4-resource-types';
export {
  SYSTEM,
  REQUEST_PURPOSES,
  PRACTITIONER_ROLES,
  CONFIDENTIALITY_ORDER,
  purposeCovers,
  sensitivityCovers,
  isPurposeOfUse,
  isSensitivityCode,
  type RequestPurpose,
  type PractitionerRole,
  type ConsentStatus,
} from './terminology';
