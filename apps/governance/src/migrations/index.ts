// Every migration of the governance database, listed explicitly and in order.
export const migrations = [];
