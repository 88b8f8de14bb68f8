// Every migration of the ledger's own service database, listed explicitly and in order. The chain itself
// lives on the replicas (see replica/migrations); the service database holds the proof tiles derived from it.
import { ProofTiles1765000000000 } from './1765000000000-proof-tiles';

export const migrations = [ProofTiles1765000000000];
