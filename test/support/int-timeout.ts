// Real servers answer in milliseconds, but a broker right after start, a rebalance or a replica restart take seconds.
jest.setTimeout(60_000);
