// What medshare's FHIR base (/fhir/R4) does, as a CapabilityStatement: only what its tests exercise. The writes are
// served by ingestion, the reads by access control; a gateway routes GET to access control and the rest to ingestion,
// and both answer `metadata` with this one statement.

/**
 * Resource-level interactions, for every resource type (records of patients and reference resources alike). The reads
 * are the submitting institution's read-back of its own submissions (system token, purpose HOPERAT); other readers
 * read patients through access control's consent-gated API.
 */
const INTERACTIONS = ['create', 'update', 'delete', 'read', 'history-instance', 'search-type'] as const;

export interface CapabilityOptions {
  /** The absolute base URL clients use, when known. */
  baseUrl?: string;
  /** When the software was built or the statement produced (the statement's `date`). */
  date: string;
}

export function capabilityStatement({ baseUrl, date }: CapabilityOptions): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'medshare' },
    implementation: { description: 'medshare FHIR R4 base: writes are validated, sealed, encrypted and ledgered', ...(baseUrl && { url: baseUrl }) },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: { description: "Bearer token signed by a registered institution (Ed25519 JWT); every write is the institution's own" },
        resource: [
          {
            type: 'Resource',
            documentation: "A Binary's read with a non-FHIR Accept (application/octet-stream, its contentType) answers its bytes, Range supported",
            interaction: INTERACTIONS.map((code) => ({ code })),
            versioning: 'versioned',
            readHistory: false,
            updateCreate: true,
            conditionalCreate: true,
            conditionalUpdate: false,
            conditionalDelete: 'not-supported',
            searchParam: [
              { name: 'patient.identifier', type: 'token', documentation: 'the patient by one of their identifiers, system|value (required)' },
              { name: 'date', type: 'date', documentation: "the record's clinical date, with prefixes eq, ne, lt, gt, le, ge" },
            ],
          },
        ],
        interaction: [{ code: 'batch' }, { code: 'transaction' }],
        // Bulk import of NDJSON, asynchronous (202 + Content-Location): medshare's own operation, documented in docs/fhir.md.
        operation: [{ name: 'import', definition: 'https://medshare.example/fhir/OperationDefinition/import' }],
      },
    ],
  };
}
