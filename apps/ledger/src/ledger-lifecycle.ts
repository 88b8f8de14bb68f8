// Starts the writer (active or standby), the background verification and the readiness check, and
// stops them in order on shutdown: last block committed, consumer gone, locks released, pools closed.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, Readiness, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { LedgerConfig } from './config';
import type { Replica } from './replica/replica';
import { ReplicaSet } from './replica/replica-set';
import { LedgerVerification } from './verification/ledger-verification';
import { LedgerWriter } from './writer/ledger-writer';

@Injectable()
export class LedgerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private verifyTimer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly writer: LedgerWriter,
    private readonly verification: LedgerVerification,
    private readonly readiness: Readiness,
    private readonly replicas: ReplicaSet<Replica>,
    @Inject(SERVICE_CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.readiness.register('ledger-quorum', async () => {
      const reachable = (await Promise.allSettled(this.replicas.members.map((replica) => replica.ping()))).filter(
        (result) => result.status === 'fulfilled',
      ).length;
      if (!this.replicas.isMajority(reachable)) throw new Error(`quorum lost: ${reachable} of ${this.replicas.size} replicas reachable, commits stopped`);
      if (this.writer.isActive && this.writer.commitsBlocked) throw new Error('commits stopped: a block waits for a write quorum');
    });
    this.writer.start();
    if (this.config.LEDGER_VERIFY_INTERVAL_MS > 0) this.scheduleVerification();
  }

  /** The incremental pass, LEDGER_VERIFY_INTERVAL_MS after the last one ended; only the active writer runs it, since it repairs. */
  private scheduleVerification(): void {
    this.verifyTimer = setTimeout(() => {
      const pass = this.writer.isActive ? this.verification.verifyRecent() : Promise.resolve(undefined);
      void pass
        .then(
          (report) =>
            report && this.logger.debug({ ok: report.ok, durationMs: report.durationMs, quorumHeight: report.quorumHeight }, 'background verification pass'),
        )
        .catch((error: unknown) => this.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'background verification failed'))
        .finally(() => {
          if (!this.stopping) this.scheduleVerification();
        });
    }, this.config.LEDGER_VERIFY_INTERVAL_MS);
  }

  /**
   * The writer's stop waits on the replicas (a block in flight, the locks' release) and on Kafka: at load 30 on two
   * cores that outlasted SHUTDOWN_TIMEOUT_MS, whose deadline ends the process with 1. After the HTTP drain (up to half
   * of it) the writer gets a quarter and the replicas' close an eighth; what is not done by then is left to the
   * process's end: PostgreSQL drops its sessions and so the locks, and a block not committed on a majority is redone
   * by the next writer from the chain's cursor, as after kill -9. Fencing is unchanged: only lock-holding sessions write.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.verifyTimer);
    const budgetMs = this.config.SHUTDOWN_TIMEOUT_MS / 4;
    if (!(await within(this.writer.stop(), budgetMs))) this.logger.warn({ budgetMs }, 'writer stop not done in time; left to the process end');
  }

  async onApplicationShutdown(): Promise<void> {
    const budgetMs = this.config.SHUTDOWN_TIMEOUT_MS / 8;
    const closed = Promise.all(this.replicas.members.map((replica) => replica.close()));
    if (!(await within(closed, budgetMs))) this.logger.warn({ budgetMs }, 'replica sessions not closed in time; left to the process end');
  }
}

/** True if `work` was done within `ms` (it goes on either way); its failure is thrown. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
