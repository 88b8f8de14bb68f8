// Inclusion proofs of report lines, from the ledger's proof API (RFC 9162 audit path, signed checkpoint and the
// event's canonical bytes): a report line is only as good as the proof an auditor can check offline.
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';

/** The proof bundle as the ledger serves it (libs/merkle format); governance passes it on unchanged. */
export type ProofBundle = Record<string, unknown> & { eventId: string };

const PARALLEL = 8;

export class LedgerProofs {
  constructor(
    private readonly ledgerUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** Proof per event id; an event the ledger has not committed yet has none (its line says so). */
  async proofsOf(eventIds: readonly string[]): Promise<Map<string, ProofBundle>> {
    const proofs = new Map<string, ProofBundle>();
    for (let from = 0; from < eventIds.length; from += PARALLEL) {
      const batch = eventIds.slice(from, from + PARALLEL);
      const fetched = await Promise.all(batch.map((eventId) => this.proofOf(eventId)));
      batch.forEach((eventId, index) => {
        const proof = fetched[index];
        if (proof !== undefined) proofs.set(eventId, proof);
      });
    }
    return proofs;
  }

  private async proofOf(eventId: string): Promise<ProofBundle | undefined> {
    let response: Response;
    try {
      response = await fetch(new URL(`v1/events/${encodeURIComponent(eventId)}/proof`, withSlash(this.ledgerUrl)), {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new GovernanceError(GovernanceErrorCode.LedgerUnavailable, `the ledger does not answer (${error instanceof Error ? error.name : 'error'})`);
    }
    if (response.status === 404) {
      await response.arrayBuffer();
      return undefined;
    }
    if (!response.ok) throw new GovernanceError(GovernanceErrorCode.LedgerUnavailable, `the ledger answered ${response.status} for a proof`);
    const proof = (await response.json()) as ProofBundle;
    if (proof.eventId !== eventId) throw new GovernanceError(GovernanceErrorCode.LedgerUnavailable, 'the ledger answered a proof of another event');
    return proof;
  }
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
