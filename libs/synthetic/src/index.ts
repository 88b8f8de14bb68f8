// Public API of @medshare/synthetic: deterministic synthetic FHIR R4 populations, bundles and canaries for tests.
export { generatePopulation, type PopulationOptions } from './population';
export type { PlantedCanary, Population, Seed, SyntheticPatient } from './population-model';
export { bundlesForLoad, patientBundle, type LoadOptions, type PatientBundleOptions, type PatientBundleType } from './bundles';
export { withCanaries } from './canaries';
export { INSTITUTIONS, mrnSystem, type Institution } from './institutions';
export { SeededRandom } from './prng';
export { NATIONAL_ID_SYSTEM } from './vocabulary';
export { ehrExport, exportNdjson, exportNdjsonByType, exportTransaction, referenceBatch, type EhrExport, type ReferencePlacement } from './ehr-export';
