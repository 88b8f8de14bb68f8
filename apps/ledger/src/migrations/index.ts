// Every migration of the ledger's own service database, listed explicitly and in order. The chain itself
// lives on the replicas (see replica/migrations); the service database holds nothing yet.
export const migrations = [];
