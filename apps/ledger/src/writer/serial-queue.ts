// Runs async jobs one at a time, in order: every write to the replicas (blocks, catch-up, repair) goes
// through one queue so no two of them interleave.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
