// Public API of @medshare/synthetic: deterministic synthetic FHIR R4 populations, bundles and canaries for tests.
export { generatePopulation, type Population, type PopulationOptions, type Seed, type SyntheticPatient } from './population';
export { bundlesForLoad, patientBundle, type LoadOptions, type PatientBundleOptions, type PatientBundleType } from './bundles';
export { withCanaries, type PlantedCanary } from './canaries';
export { INSTITUTIONS, mrnSystem, type Institution } from './institutions';
export { SeededRandom } from './prng';
export { NATIONAL_ID_SYSTEM } from './vocabulary';
