// Keeps this instance's AccessProjection current: loads the PostgreSQL projection at start, then reads the
// consent, grants, records.encrypted and identity topics in a consumer group of its own (every instance needs every
// event), from where the stored projection stands; saves each batch back. Ready once caught up with the
// topics as they were at start.
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { topics, type TopicSpec } from '@medshare/contracts';
import { commitGroupOffsets, ConsumerHost, TopicEnds, type ConsumedEvent, type BatchContext, type GroupOffset } from '@medshare/messaging';
import { KAFKA, LOGGER, Readiness, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { AccessControlConfig } from '../config';
import { AccessProjection, type ApplyOutcome } from './access-projection';
import { ProjectionRepository, type StoredEvent } from './projection.repository';

const PROJECTED_TOPICS: readonly TopicSpec[] = [topics.consent, topics.grants, topics.recordsEncrypted, topics.identity, topics.keys, topics.ingestSealed];

/** What ingestion acknowledges and what makes it readable: a read waits until these are applied up to their ends. */
const RECORD_TOPICS: readonly TopicSpec[] = [topics.ingestSealed, topics.recordsEncrypted, topics.identity];

@Injectable()
export class ProjectionFeed implements OnModuleInit, BeforeApplicationShutdown {
  /** topic/partition → the high watermark when this instance started: ready once read up to it. */
  private readonly startHighWatermarks = new Map<string, bigint>();
  /** topic/partition → next offset this instance has applied. */
  private readonly applied = new Map<string, bigint>();
  private caughtUp = false;
  /** Asks for the record topics' current ends on every read: kept connected. */
  private ends?: TopicEnds;
  /** Asks for the group's commits on every readiness probe until caught up: kept connected. */
  private admin?: Admin;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly consumers: ConsumerHost,
    private readonly repository: ProjectionRepository,
    private readonly projection: AccessProjection,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) private readonly config: AccessControlConfig,
  ) {}

  get groupId(): string {
    return `${this.config.KAFKA_GROUP_ID}-${this.config.INSTANCE_ID}`;
  }

  async onModuleInit(): Promise<void> {
    const started = Date.now();
    const snapshot = await this.repository.snapshot();
    for (const stored of snapshot.events)
      this.projection.apply(stored.event, { kind: 'topic', topic: stored.topic, partition: stored.partition, offset: stored.offset });
    for (const { patient, institution, resourceType } of snapshot.holdings) this.projection.hold(patient, institution, resourceType);
    for (const { identifier, patient } of snapshot.identityLinks) this.projection.link(identifier, patient);
    for (const [topic, partitions] of snapshot.offsets) for (const [partition, next] of partitions) this.applied.set(`${topic}/${partition}`, next);
    await this.positionGroup(snapshot.offsets);
    this.logger.info(
      {
        consents: this.projection.consentCount,
        events: snapshot.events.length,
        holdings: snapshot.holdings.length,
        identityLinks: snapshot.identityLinks.length,
        ms: Date.now() - started,
      },
      'projection loaded from PostgreSQL',
    );

    await this.consumers.consume('projection', {
      groupId: this.groupId,
      topics: PROJECTED_TOPICS,
      fromBeginning: true,
      handle: (events, context) => this.onBatch(events, context),
      // Transaction markers (records.encrypted is written transactionally) end a partition without an event.
      onProgress: (topic, partition, next) => this.advance(`${topic}/${partition}`, next),
    });
    const ends = new TopicEnds(
      this.kafka,
      RECORD_TOPICS.map((topic) => topic.name),
    );
    await ends.connect();
    this.ends = ends;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.readiness.register('projection', async () => {
      if (!this.isCaughtUp() && !(await this.committedPastStart()))
        throw new Error('projection is still catching up with the consent, grants, records and identity topics');
    });
  }

  /** Reads are answered by then; the consumer host stops the consumer after this. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.ends?.disconnect(), this.admin?.disconnect()]);
  }

  /**
   * Waits until this instance has applied every record event published before the call (ingest.sealed,
   * records.encrypted and identity links, up to their current ends), so a read right after ingestion's 202 knows
   * every record acknowledged before it. False when that took longer than `timeoutMs` or the ends could not be asked.
   */
  async catchUpWithRecords(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let ends: [string, bigint][];
    try {
      if (this.ends === undefined) return false;
      ends = [...(await this.ends.current())];
    } catch (error) {
      this.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'could not ask the record topics for their ends');
      return false;
    }
    while (ends.some(([key, high]) => (this.applied.get(key) ?? 0n) < high)) {
      if (Date.now() >= deadline) return false;
      await sleep(5);
    }
    return true;
  }

  private async onBatch(events: ConsumedEvent[], context: BatchContext): Promise<void> {
    const first = events[0];
    if (!first) return;
    const toSave: StoredEvent[] = [];
    let next = 0n;
    for (const consumed of events) {
      const offset = BigInt(consumed.offset);
      const outcome: ApplyOutcome = this.projection.apply(consumed.event, { kind: 'topic', topic: consumed.topic, partition: consumed.partition, offset });
      if (outcome === 'invalid') context.reject(consumed, `${consumed.event.type} ${consumed.event.id} no longer passes intake: not applied`);
      else if (outcome === 'conflict')
        this.logger.warn({ eventId: consumed.event.id, type: consumed.event.type }, 'event reuses an id owned by another institution or patient: ignored');
      if (outcome !== 'invalid' && outcome !== 'ignored') toSave.push({ event: consumed.event, topic: consumed.topic, partition: consumed.partition, offset });
      if (offset + 1n > next) next = offset + 1n;
    }
    await this.repository.save(first.topic, first.partition, toSave, next);
    this.advance(`${first.topic}/${first.partition}`, next);
  }

  private advance(key: string, next: bigint): void {
    if (next > (this.applied.get(key) ?? 0n)) this.applied.set(key, next);
  }

  /**
   * Moves this instance's group to where the stored projection stands (partitions it never saw: the start of
   * the topic), so it neither replays what PostgreSQL already holds nor skips what it does not.
   */
  private async positionGroup(stored: Map<string, Map<number, bigint>>): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const positions: GroupOffset[] = [];
    try {
      for (const topic of PROJECTED_TOPICS) {
        for (const { partition, low, high } of await admin.fetchTopicOffsets(topic.name)) {
          this.startHighWatermarks.set(`${topic.name}/${partition}`, BigInt(high));
          const from = stored.get(topic.name)?.get(partition) ?? BigInt(low);
          positions.push({ topic: topic.name, partition, offset: (from < BigInt(low) ? BigInt(low) : from).toString() });
        }
      }
    } finally {
      await admin.disconnect();
    }
    try {
      await commitGroupOffsets(
        this.kafka,
        this.groupId,
        PROJECTED_TOPICS.map((topic) => topic.name),
        positions,
      );
    } catch (error) {
      // Resuming from the group's own committed offsets instead is slower but harmless (rows keep their newest version).
      this.logger.warn({ groupId: this.groupId, error: error instanceof Error ? error.message : String(error) }, 'could not position the projection group');
    }
  }

  /** A batch made only of dead letters never reaches the handler, but its offsets are committed: ask the group. */
  private async committedPastStart(): Promise<boolean> {
    // The kept admin: a fresh one per probe costs SASL_SSL handshakes that outran the probe's 2 s at load 20.
    const admin = this.admin;
    if (admin === undefined) return false;
    const committed = await admin.fetchOffsets({ groupId: this.groupId, topics: PROJECTED_TOPICS.map((topic) => topic.name) });
    for (const { topic, partitions } of committed) {
      for (const { partition, offset } of partitions) {
        const key = `${topic}/${partition}`;
        if (BigInt(offset) > (this.applied.get(key) ?? 0n)) this.applied.set(key, BigInt(offset));
      }
    }
    return this.isCaughtUp();
  }

  private isCaughtUp(): boolean {
    if (this.caughtUp) return true;
    for (const [key, high] of this.startHighWatermarks) {
      if ((this.applied.get(key) ?? 0n) < high) return false;
    }
    this.caughtUp = true;
    return true;
  }
}
