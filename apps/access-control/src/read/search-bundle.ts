// The read path's answer: a FHIR R4 searchset Bundle of the released records, and an OperationOutcome entry
// (search.mode 'outcome') naming the resource types that were withheld.
import type { Bundle, FhirResource } from '@medshare/fhir';

/** `included`: reference resources the matches name (search.mode 'include', as for `_include`; not counted in total). */
export function searchsetBundle(
  decisionId: string,
  released: readonly FhirResource[],
  withheldResourceTypes: readonly string[],
  notes: readonly string[] = [],
  included: readonly FhirResource[] = [],
): Bundle {
  const entry = (mode: 'match' | 'include') => (resource: FhirResource) => ({
    ...(resource.id === undefined ? {} : { fullUrl: `urn:medshare:${resource.resourceType}:${resource.id}` }),
    resource,
    search: { mode },
  });
  const entries: Record<string, unknown>[] = [...released.map(entry('match')), ...included.map(entry('include'))];
  const information = [...(withheldResourceTypes.length > 0 ? [`withheld resource types: ${withheldResourceTypes.join(', ')}`] : []), ...notes];
  if (information.length > 0) {
    entries.push({
      resource: {
        resourceType: 'OperationOutcome',
        issue: information.map((text) => ({ severity: 'information', code: 'suppressed', details: { text } })),
      },
      search: { mode: 'outcome' },
    });
  }
  return {
    resourceType: 'Bundle',
    id: decisionId,
    type: 'searchset',
    total: released.length,
    ...(entries.length > 0 && { entry: entries as Bundle['entry'] }),
  };
}
