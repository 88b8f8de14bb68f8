// Word lists and code tables the generator draws from: obviously synthetic people, real clinical codes.

export const NATIONAL_ID_SYSTEM = 'https://id.medshare.example/national-health-id';
export const INSTITUTION_ID_SYSTEM = 'https://id.medshare.example/institution';

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
export const UCUM = 'http://unitsofmeasure.org';
export const DICOM_DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const HGNC = 'http://www.genenames.org';
export const HGVS = 'http://varnomen.hgvs.org';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const DIAGNOSTIC_SERVICE = 'http://terminology.hl7.org/CodeSystem/v2-0074';
export const IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const V3_CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

export const GIVEN_NAMES = ['Testa', 'Mocko', 'Fixtura', 'Sampla', 'Dummo', 'Placida', 'Synthia', 'Fauxley', 'Simula', 'Emulo', 'Artifa', 'Protota'] as const;
export const FAMILY_NAMES = [
  'Testperson',
  'Fakesworth',
  'Sampleton',
  'Placeholder',
  'Fixtureman',
  'Syntheticus',
  'Dataforge',
  'Nullberg',
  'Stubbington',
  'Loremson',
  'Ipsumova',
  'Mockridge',
] as const;
export const STREETS = ['Example Street', 'Fixture Lane', 'Mock Avenue', 'Sample Road', 'Placeholder Way', 'Synthetic Close'] as const;
export const CITIES = ['Testville', 'Mockford', 'Sampleton-on-Data', 'Fakeburg'] as const;

export interface Measurement {
  code: string;
  display: string;
  unit: string;
  low: number;
  high: number;
  decimals: number;
}

export const VITAL_SIGNS: readonly Measurement[] = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', low: 52, high: 110, decimals: 0 },
  { code: '9279-1', display: 'Respiratory rate', unit: '/min', low: 10, high: 24, decimals: 0 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', low: 36.1, high: 38.9, decimals: 1 },
  { code: '29463-7', display: 'Body weight', unit: 'kg', low: 45, high: 120, decimals: 1 },
  { code: '8302-2', display: 'Body height', unit: 'cm', low: 150, high: 198, decimals: 0 },
  { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%', low: 90, high: 100, decimals: 0 },
];

export const BLOOD_PRESSURE = {
  panel: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', low: 100, high: 170, decimals: 0 },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]', low: 60, high: 100, decimals: 0 },
} as const;

export interface LabPanel {
  code: string;
  display: string;
  tests: readonly (Measurement & { referenceLow: number; referenceHigh: number })[];
}

export const LAB_PANELS: readonly LabPanel[] = [
  {
    code: '58410-2',
    display: 'CBC panel - Blood by Automated count',
    tests: [
      { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', unit: 'g/dL', low: 9, high: 17.5, decimals: 1, referenceLow: 12, referenceHigh: 16 },
      {
        code: '6690-2',
        display: 'Leukocytes [#/volume] in Blood by Automated count',
        unit: '10*3/uL',
        low: 3,
        high: 14,
        decimals: 1,
        referenceLow: 4,
        referenceHigh: 10.5,
      },
      {
        code: '777-3',
        display: 'Platelets [#/volume] in Blood by Automated count',
        unit: '10*3/uL',
        low: 120,
        high: 450,
        decimals: 0,
        referenceLow: 150,
        referenceHigh: 400,
      },
    ],
  },
  {
    code: '51990-0',
    display: 'Basic metabolic panel - Blood',
    tests: [
      {
        code: '2345-7',
        display: 'Glucose [Mass/volume] in Serum or Plasma',
        unit: 'mg/dL',
        low: 65,
        high: 220,
        decimals: 0,
        referenceLow: 70,
        referenceHigh: 99,
      },
      {
        code: '2160-0',
        display: 'Creatinine [Mass/volume] in Serum or Plasma',
        unit: 'mg/dL',
        low: 0.5,
        high: 2.4,
        decimals: 2,
        referenceLow: 0.6,
        referenceHigh: 1.2,
      },
      {
        code: '2951-2',
        display: 'Sodium [Moles/volume] in Serum or Plasma',
        unit: 'mmol/L',
        low: 128,
        high: 150,
        decimals: 0,
        referenceLow: 135,
        referenceHigh: 145,
      },
      {
        code: '2823-3',
        display: 'Potassium [Moles/volume] in Serum or Plasma',
        unit: 'mmol/L',
        low: 3,
        high: 5.8,
        decimals: 1,
        referenceLow: 3.5,
        referenceHigh: 5.1,
      },
    ],
  },
  {
    code: '57698-3',
    display: 'Lipid panel with direct LDL - Serum or Plasma',
    tests: [
      {
        code: '2093-3',
        display: 'Cholesterol [Mass/volume] in Serum or Plasma',
        unit: 'mg/dL',
        low: 120,
        high: 290,
        decimals: 0,
        referenceLow: 125,
        referenceHigh: 200,
      },
      {
        code: '2085-9',
        display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma',
        unit: 'mg/dL',
        low: 28,
        high: 95,
        decimals: 0,
        referenceLow: 40,
        referenceHigh: 60,
      },
    ],
  },
];

export const BLOOD_CULTURE = {
  code: '600-7',
  display: 'Bacteria identified in Blood by Culture',
  results: ['No growth after 5 days', 'Staphylococcus epidermidis (likely contaminant)'],
} as const;

export interface ConditionCode {
  snomed: string;
  snomedDisplay: string;
  icd10: string;
  icd10Display: string;
}

export const CONDITIONS: readonly ConditionCode[] = [
  { snomed: '44054006', snomedDisplay: 'Diabetes mellitus type 2', icd10: 'E11.9', icd10Display: 'Type 2 diabetes mellitus without complications' },
  { snomed: '38341003', snomedDisplay: 'Hypertensive disorder', icd10: 'I10', icd10Display: 'Essential (primary) hypertension' },
  { snomed: '195967001', snomedDisplay: 'Asthma', icd10: 'J45.9', icd10Display: 'Asthma, unspecified' },
  { snomed: '13645005', snomedDisplay: 'Chronic obstructive lung disease', icd10: 'J44.9', icd10Display: 'Chronic obstructive pulmonary disease, unspecified' },
  { snomed: '254837009', snomedDisplay: 'Malignant neoplasm of breast', icd10: 'C50.9', icd10Display: 'Malignant neoplasm of breast, unspecified' },
  { snomed: '49436004', snomedDisplay: 'Atrial fibrillation', icd10: 'I48.9', icd10Display: 'Atrial fibrillation and atrial flutter, unspecified' },
];

export type SensitivityCode = 'HIV' | 'PSY' | 'SUD';

/** A sensitive diagnosis with the screening or monitoring result that reveals it just as much. */
export interface SensitiveTopic {
  label: SensitivityCode;
  labelDisplay: string;
  condition: ConditionCode;
  result: Measurement;
}

export const SENSITIVE_TOPICS: readonly SensitiveTopic[] = [
  {
    label: 'HIV',
    labelDisplay: 'HIV/AIDS information sensitivity',
    condition: {
      snomed: '86406008',
      snomedDisplay: 'Human immunodeficiency virus infection',
      icd10: 'B20',
      icd10Display: 'Human immunodeficiency virus [HIV] disease',
    },
    result: {
      code: '20447-9',
      display: 'HIV 1 RNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection',
      unit: '{copies}/mL',
      low: 20,
      high: 90000,
      decimals: 0,
    },
  },
  {
    label: 'PSY',
    labelDisplay: 'psychiatry information sensitivity',
    condition: { snomed: '35489007', snomedDisplay: 'Depressive disorder', icd10: 'F32.9', icd10Display: 'Depressive episode, unspecified' },
    result: { code: '44261-6', display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]', unit: '{score}', low: 5, high: 27, decimals: 0 },
  },
  {
    label: 'SUD',
    labelDisplay: 'substance use disorder information sensitivity',
    condition: {
      snomed: '7200002',
      snomedDisplay: 'Alcoholism',
      icd10: 'F10.2',
      icd10Display: 'Mental and behavioural disorders due to use of alcohol, dependence syndrome',
    },
    result: { code: '75626-2', display: 'Total score [AUDIT-C]', unit: '{score}', low: 4, high: 12, decimals: 0 },
  },
];

export interface ImagingProcedure {
  modality: string;
  modalityDisplay: string;
  description: string;
  bodySite: { code: string; display: string };
  sopClass: string;
}

export const IMAGING_PROCEDURES: readonly ImagingProcedure[] = [
  {
    modality: 'CT',
    modalityDisplay: 'Computed Tomography',
    description: 'CT chest without contrast',
    bodySite: { code: '51185008', display: 'Thoracic structure' },
    sopClass: '1.2.840.10008.5.1.4.1.1.2',
  },
  {
    modality: 'MR',
    modalityDisplay: 'Magnetic Resonance',
    description: 'MR brain',
    bodySite: { code: '12738006', display: 'Brain structure' },
    sopClass: '1.2.840.10008.5.1.4.1.1.4',
  },
  {
    modality: 'DX',
    modalityDisplay: 'Digital Radiography',
    description: 'Chest X-ray, two views',
    bodySite: { code: '51185008', display: 'Thoracic structure' },
    sopClass: '1.2.840.10008.5.1.4.1.1.1.1',
  },
  {
    modality: 'US',
    modalityDisplay: 'Ultrasound',
    description: 'Abdominal ultrasound',
    bodySite: { code: '818983003', display: 'Abdomen' },
    sopClass: '1.2.840.10008.5.1.4.1.1.6.1',
  },
];

export interface GeneticVariant {
  hgnc: string;
  gene: string;
  cHgvs: string;
}

export const GENETIC_VARIANTS: readonly GeneticVariant[] = [
  { hgnc: 'HGNC:1100', gene: 'BRCA1', cHgvs: 'NM_007294.4:c.68_69del' },
  { hgnc: 'HGNC:1101', gene: 'BRCA2', cHgvs: 'NM_000059.4:c.5946del' },
  { hgnc: 'HGNC:1884', gene: 'CFTR', cHgvs: 'NM_000492.4:c.1521_1523del' },
];

export interface ResearchStudyDefinition {
  id: string;
  title: string;
}

export const RESEARCH_STUDIES: readonly ResearchStudyDefinition[] = [
  { id: 'study-cardio', title: 'Synthetic cardiovascular outcomes registry' },
  { id: 'study-onco', title: 'Synthetic oncology genomics cohort' },
  { id: 'study-resp', title: 'Synthetic chronic respiratory disease study' },
];
