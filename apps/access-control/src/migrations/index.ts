// Every migration of the access-control database, listed explicitly and in order.
export const migrations = [];
