// Every migration of the ledger database, listed explicitly and in order.
export const migrations = [];
