// The slice of FHIR R4 JSON shapes this library reads; @medplum/fhirtypes is not installed, so these stay minimal.

export interface Coding {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

export interface Identifier {
  use?: string;
  type?: CodeableConcept;
  system?: string;
  value?: string;
}

export interface Reference {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
}

export interface Period {
  start?: string;
  end?: string;
}

export interface Meta {
  versionId?: string;
  lastUpdated?: string;
  source?: string;
  profile?: string[];
  security?: Coding[];
  tag?: Coding[];
}

/** Any FHIR R4 resource as JSON: typed where this library reads it, open elsewhere. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: Meta;
  [element: string]: unknown;
}

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface OperationOutcomeIssue {
  severity: IssueSeverity;
  code: string;
  details?: { text?: string };
  diagnostics?: string;
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

export interface BundleEntryRequest {
  method: string;
  url: string;
  ifNoneExist?: string;
  ifMatch?: string;
}

export interface BundleEntry {
  fullUrl?: string;
  resource?: FhirResource;
  request?: BundleEntryRequest;
}

export interface Bundle extends FhirResource {
  resourceType: 'Bundle';
  type: string;
  entry?: BundleEntry[];
}
