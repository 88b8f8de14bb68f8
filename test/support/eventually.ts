// Poll, don't sleep: waits for an eventual state with a deadline.
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {}): Promise<T> {
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
