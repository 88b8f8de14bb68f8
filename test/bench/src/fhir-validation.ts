// FHIR validation alone, in-process (no servers): @medshare/fhir's validateFhirResource over 100-resource synthetic
// bundles and per resource type, next to medplum's validateResource alone, so the strict pass's share shows.
import { validateResource } from '@medplum/core';
import { loadFhirDefinitions, validateFhirResource, type FhirResource } from '@medshare/fhir';
import { bundlesForLoad } from '@medshare/synthetic';
import { percentile, type BenchResult } from './bench-result';

const BUNDLES = Number(process.env.BENCH_FHIR_BUNDLES ?? 60);
const RESOURCES_PER_BUNDLE = 100;
// The first bundles warm up the JIT and medplum's lazily built schema caches; they are not counted.
const WARM_UP_BUNDLES = 10;

export async function run(): Promise<BenchResult[]> {
  const loadStarted = performance.now();
  loadFhirDefinitions();
  const loadMs = performance.now() - loadStarted;
  const bundles = [...bundlesForLoad('bench-fhir', BUNDLES + WARM_UP_BUNDLES, RESOURCES_PER_BUNDLE)] as FhirResource[];

  const results: BenchResult[] = [{ name: 'loadFhirDefinitions', p50Ms: loadMs, notes: 'first call, once per process' }];
  results.push(timeBundles('bundle-100/validateFhirResource', bundles, (bundle) => validateFhirResource(bundle).ok));
  results.push(timeBundles('bundle-100/medplum-validateResource', bundles, medplumAccepts));
  // A rejected bundle takes the reporting path (medplum then the strict pass) to say what is wrong.
  const rejectedBundles = bundles.map(withUnknownElementInLastEntry);
  results.push(timeBundles('bundle-100-invalid/validateFhirResource', rejectedBundles, (bundle) => validateFhirResource(bundle).ok, false));
  results.push(...perResourceType(bundles));
  return results;
}

function timeBundles(name: string, bundles: readonly FhirResource[], validate: (bundle: FhirResource) => boolean, expected = true): BenchResult {
  const samples: number[] = [];
  let unexpected = 0;
  bundles.forEach((bundle, index) => {
    const started = performance.now();
    const ok = validate(bundle);
    const elapsed = performance.now() - started;
    if (ok !== expected) unexpected += 1;
    if (index >= WARM_UP_BUNDLES) samples.push(elapsed);
  });
  const total = samples.reduce((sum, ms) => sum + ms, 0);
  return {
    name,
    events: samples.length * RESOURCES_PER_BUNDLE,
    eventsPerSecond: (samples.length * RESOURCES_PER_BUNDLE * 1000) / total,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    notes: `${samples.length} bundles of ${RESOURCES_PER_BUNDLE}${unexpected > 0 ? `; ${unexpected} ${expected ? 'REJECTED' : 'ACCEPTED'}` : ''}`,
  };
}

// Each entry's resource validated on its own, grouped by type (Observation split by category: lab, vital, genomic...).
function perResourceType(bundles: readonly FhirResource[]): BenchResult[] {
  const samplesByType = new Map<string, number[]>();
  let rejected = 0;
  bundles.forEach((bundle, index) => {
    for (const { resource } of (bundle.entry as { resource: FhirResource }[]) ?? []) {
      const started = performance.now();
      const ok = validateFhirResource(resource).ok;
      const elapsed = performance.now() - started;
      if (!ok) rejected += 1;
      if (index < WARM_UP_BUNDLES) continue;
      const type = resourceKind(resource);
      samplesByType.set(type, [...(samplesByType.get(type) ?? []), elapsed]);
    }
  });
  return [...samplesByType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, samples]) => ({
      name: `resource/${type}`,
      events: samples.length,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      ...(rejected > 0 ? { notes: `${rejected} REJECTED across types` } : {}),
    }));
}

function resourceKind(resource: FhirResource): string {
  if (resource.resourceType !== 'Observation') return resource.resourceType;
  const category = (resource.category as { coding?: { code?: string }[] }[] | undefined)?.[0]?.coding?.[0]?.code;
  return `Observation(${category ?? 'none'})`;
}

function withUnknownElementInLastEntry(bundle: FhirResource): FhirResource {
  const entry = bundle.entry as { resource: FhirResource }[];
  const last = entry[entry.length - 1];
  return { ...bundle, entry: [...entry.slice(0, -1), { ...last, resource: { ...last.resource, nickname: 'Al' } }] };
}

function medplumAccepts(bundle: FhirResource): boolean {
  try {
    validateResource(bundle as Parameters<typeof validateResource>[0]);
    return true;
  } catch {
    return false;
  }
}
