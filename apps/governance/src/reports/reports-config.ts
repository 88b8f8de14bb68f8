// Where the compliance reports get their inclusion proofs: the ledger's public proof API.
import { z } from 'zod';

export const reportsConfigShape = {
  /** Base URL of the ledger's HTTP API (GET /v1/events/:id/proof is open: proofs hold hashes and metadata). */
  LEDGER_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).default('http://127.0.0.1:3004'),
  /** How long one proof request may take before the report answers 503. */
  LEDGER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
};
