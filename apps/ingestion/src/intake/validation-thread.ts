// Runs checkSubmission in a worker thread, one submission at a time, each within VALIDATION_TIMEOUT_MS. Validating
// a hostile body (a million wrong values) never stalls the event loop that answers every other request and keeps
// the Kafka consumer in its group, and a body that takes longer than the limit is refused and its thread replaced:
// the work one request can cost is bounded.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LOGGER, Readiness, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { IngestionConfig } from '../config';
import { IngestionErrorCode, failure, issue } from './ingestion-error';
import type { SubmissionVerdict } from './submission-check';
import type { ValidationRequest } from './validation.worker';

interface Job {
  bytes: Uint8Array;
  resolve(verdict: SubmissionVerdict): void;
  reject(error: unknown): void;
}

@Injectable()
export class ValidationThread implements OnModuleInit, OnModuleDestroy {
  private worker?: Worker;
  private ready = false;
  private closed = false;
  private readonly queue: Job[] = [];
  private running?: { job: Job; timer: NodeJS.Timeout };

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly readiness: Readiness,
  ) {}

  /** Started with the service, so the FHIR definitions (~1 s) are loaded before the first submission. */
  onModuleInit(): void {
    this.readiness.register('validation-thread', async () => {
      if (!this.ready) throw new Error('the validation thread is loading the FHIR definitions');
    });
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(failure(IngestionErrorCode.Unavailable, 'transient', 'The service is stopping; retry later'));
    await this.worker?.terminate();
  }

  check(bytes: Uint8Array): Promise<SubmissionVerdict> {
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      this.next();
    });
  }

  private start(): void {
    const worker = new Worker(join(__dirname, 'validation.worker.js'));
    this.worker = worker;
    this.ready = false;
    worker.on('message', (message: SubmissionVerdict | 'ready') => {
      if (message !== 'ready') this.finish(message);
      else this.ready = true;
      this.next();
    });
    worker.on('error', (error) => this.logger.error({ error: error.message }, 'validation thread failed'));
    worker.on('exit', () => {
      // A thread that was replaced (timeout) exits later; only the current one is restarted.
      if (this.worker !== worker || this.closed) return;
      this.finish(this.tooCostly());
      this.start();
    });
  }

  private next(): void {
    if (!this.ready || this.running !== undefined || this.worker === undefined) return;
    const job = this.queue.shift();
    if (job === undefined) return;
    const timer = setTimeout(() => this.abandon(), this.config.VALIDATION_TIMEOUT_MS);
    this.running = { job, timer };
    const request: ValidationRequest = { bytes: job.bytes, maxEntries: this.config.MAX_BUNDLE_ENTRIES };
    this.worker.postMessage(request);
  }

  private finish(verdict: SubmissionVerdict): void {
    const { running } = this;
    if (running === undefined) return;
    this.running = undefined;
    clearTimeout(running.timer);
    running.job.resolve(verdict);
  }

  /** The running validation took too long: refuse it, and replace the thread (terminate stops it mid-work). */
  private abandon(): void {
    const worker = this.worker;
    this.logger.warn({ timeoutMs: this.config.VALIDATION_TIMEOUT_MS }, 'validation stopped at its time limit; thread replaced');
    this.finish(this.tooCostly());
    this.start();
    void worker?.terminate();
  }

  private tooCostly(): SubmissionVerdict {
    return {
      ok: false,
      code: IngestionErrorCode.InvalidResource,
      issues: [issue('too-costly', 'Validation stopped at its time limit: send smaller or fewer resources')],
    };
  }
}
