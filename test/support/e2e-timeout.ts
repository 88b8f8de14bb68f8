// End-to-end cases start and stop service processes: minutes, not seconds.
jest.setTimeout(180_000);
