// The synthetic institutions data comes from, and the identifier systems each one issues.
import type { FhirResource } from '@medshare/fhir';
import { INSTITUTION_ID_SYSTEM } from './vocabulary';

export interface Institution {
  id: string;
  name: string;
}

export const INSTITUTIONS: readonly Institution[] = [
  { id: 'hosp-a', name: 'Northfield General Hospital (synthetic)' },
  { id: 'hosp-b', name: 'Riverside University Hospital (synthetic)' },
  { id: 'hosp-c', name: 'Lakeshore Family Hospital (synthetic)' },
  { id: 'lab-d', name: 'Meridian Diagnostics Laboratory (synthetic)' },
];

/** The institution-local medical record number system. */
export function mrnSystem(institutionId: string): string {
  return `https://${institutionId}.medshare.example/mrn`;
}

export function institutionSystem(institutionId: string, kind: 'visit' | 'research-subject'): string {
  return `https://${institutionId}.medshare.example/${kind}`;
}

export function organizationOf(institution: Institution): FhirResource {
  return {
    resourceType: 'Organization',
    id: institution.id,
    identifier: [{ system: INSTITUTION_ID_SYSTEM, value: institution.id }],
    active: true,
    name: institution.name,
  };
}
