// Start-up steps that ask Kafka something (list offsets, rewind a group): a request that times out on a loaded or
// failing cluster is tried again with back-off, never allowed to end the process.
import type { Logger } from '@medshare/service-kit';

export interface UntilDoneOptions {
  log: Logger;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Whether a failure is worth another try (default: every one); one that is not is thrown. */
  retry?: (error: unknown) => boolean;
}

/** Runs `step` until it succeeds, waiting twice as long after each failure (up to maxDelayMs). */
export async function untilDone<T>(
  what: string,
  step: () => Promise<T>,
  { log, firstDelayMs = 500, maxDelayMs = 15_000, retry = () => true }: UntilDoneOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (error) {
      if (!retry(error)) throw error;
      const delayMs = Math.min(maxDelayMs, firstDelayMs * 2 ** (attempt - 1));
      log.warn({ step: what, attempt, retryInMs: delayMs, error: error instanceof Error ? error.message : String(error) }, 'start-up step failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
