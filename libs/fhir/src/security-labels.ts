// Reads a resource's security labels (meta.security), the input to consent label rules.
import type { FhirResource } from './fhir-types';

export interface SecurityLabel {
  system?: string;
  code: string;
}

/** Every meta.security coding that has a code, in order, with its system when given. */
export function securityLabelsOf(resource: FhirResource): SecurityLabel[] {
  return (resource.meta?.security ?? [])
    .filter((coding) => typeof coding.code === 'string')
    .map((coding) => (coding.system === undefined ? { code: coding.code as string } : { system: coding.system, code: coding.code as string }));
}
