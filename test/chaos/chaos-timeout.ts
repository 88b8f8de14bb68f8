// Chaos runs kill, freeze and restart brokers and services for minutes.
jest.setTimeout(900_000);
