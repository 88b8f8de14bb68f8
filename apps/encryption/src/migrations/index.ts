// Every migration of the encryption database, listed explicitly and in order.
export const migrations = [];
