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
      // Not `instanceof Error`: errors from Node's own code (fetch) come from another realm than a Jest test's.
      const suffix = lastError === undefined ? '' : `: last error ${describe(lastError)}`;
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

function describe(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('message' in error)) return String(error);
  const cause = 'cause' in error && error.cause !== undefined ? ` (${describe(error.cause)})` : '';
  return `${String(error.message)}${cause}`;
}
