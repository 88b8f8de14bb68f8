// The read path's answer: a FHIR R4 searchset Bundle of the released records, and an OperationOutcome entry
// (search.mode 'outcome') naming the resource types that were withheld.
import type { Bundle, FhirResource } from '@medshare/fhir';

export function searchsetBundle(decisionId: string, released: readonly FhirResource[], withheldResourceTypes: readonly string[], notes: readonly string[] = []): Bundle {
  const entries: Record<string, unknown>[] = released.map((resource) => ({
    ...(resource.id === undefined ? {} : { fullUrl: `urn:medshare:${resource.resourceType}:${resource.id}` }),
    resource,
    search: { mode: 'match' },
  }));
  const information = [
    ...(withheldResourceTypes.length > 0 ? [`withheld resource types: ${withheldResourceTypes.join(', ')}`] : []),
    ...notes,
  ];
  if (information.length > 0) {
    entries.push({
      resource: {
        resourceType: 'OperationOutcome',
        issue: information.map((text) => ({ severity: 'information', code: 'suppressed', details: { text } })),
      },
      search: { mode: 'outcome' },
    });
  }
  return { resourceType: 'Bundle', id: decisionId, type: 'searchset', total: released.length, ...(entries.length > 0 && { entry: entries as Bundle['entry'] }) };
}
