// Public API of @medshare/fhir: FHIR R4 validation and the record facts medshare reads (patient, date, labels, bundles).
export { capabilityStatement, type CapabilityOptions } from './capability-statement';
export { loadFhirDefinitions } from './definitions';
export { validateFhirResource, type FhirValidation } from './validate';
export { operationOutcome } from './operation-outcome';
export { namesNoPatient, patientReferenceOf, type PatientIdentifier, type PatientReference } from './patient-reference';
export { clinicalDateOf } from './clinical-date';
export { securityLabelsOf, type SecurityLabel } from './security-labels';
export { DELETED_TAG, currentVersions, isDeletion, versionOf } from './versions';
export { STORED_FILE_TAG_SYSTEM, STORED_FILE_URL_PREFIX, storedFileOf } from './stored-file';
export { splitBundle, type BundleEntryView, type SplitBundle, type SplittableBundleType } from './bundle';
export type {
  Bundle,
  BundleEntry,
  BundleEntryRequest,
  CodeableConcept,
  Coding,
  FhirResource,
  Identifier,
  Meta,
  OperationOutcome,
  OperationOutcomeIssue,
  Period,
  Reference,
} from './fhir-types';
