// Poll, don't sleep: waits for an eventual state with a deadline.
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const suffix = lastError instanceof Error ? `: last error ${lastError.message}` : '';
      throw new Error(`${what} not reached within ${timeoutMs} ms${suffix}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * The counterpart for what must NOT happen: checks `probe` every `intervalMs` for `forMs` and fails at the
 * first check that is false (or throws), instead of one look after a blind sleep.
 */
export async function consistently(
  probe: () => Promise<boolean> | boolean,
  { forMs, intervalMs = 100, what = 'condition' }: { forMs: number; intervalMs?: number; what?: string },
): Promise<void> {
  const until = Date.now() + forMs;
  for (;;) {
    if (!(await probe())) throw new Error(`${what} no longer held`);
    if (Date.now() >= until) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
