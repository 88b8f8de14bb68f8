// Every migration of the ingestion database, listed explicitly and in order.
export const migrations = [];
