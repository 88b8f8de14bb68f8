// Tear-down that closes everything even when a step fails: one client left open keeps Jest from exiting.
/** Runs every step in order, whatever the earlier ones did; then throws what failed, if anything did. */
export async function closeAll(steps: readonly (() => Promise<unknown> | unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} tear-down steps failed`);
}
