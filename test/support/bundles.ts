// FHIR transaction Bundles as a hospital's integration engine sends them to ingestion.
import { randomUUID } from 'node:crypto';

/** `resources` as one transaction: the first (the Patient) under `patientUrl`, the full URL the others reference it by. */
export function transactionBundle(patientUrl: string, resources: readonly { resourceType: string }[]) {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource, index) => ({
      fullUrl: index === 0 ? patientUrl : `urn:uuid:${randomUUID()}`,
      resource,
      request: { method: 'POST', url: resource.resourceType },
    })),
  };
}
