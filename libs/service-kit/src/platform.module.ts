// What every medshare service has: configuration, logger, Kafka (publisher, consumer host, admin for readiness),
// PostgreSQL with migrations, health and metrics endpoints, and an orderly shutdown of all of it.
import {
  Global,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ConsumerHost, createKafka, EventPublisher, kafkaSecurityFrom, type KafkaSecuritySettings } from '@medshare/messaging';
import { openDatabase, type DatabaseOptions } from './database';
import { HealthController, MetricsController, Readiness } from './health';
import { HEARTBEAT_OPTIONS, Heartbeats, type HeartbeatOptions } from './heartbeats';
import type { Logger } from './logger';
import { observePgPool, typeormPool } from './pg-pool-metrics';
import { PlatformKeys } from './platform-keys';

export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const KAFKA = Symbol('KAFKA');
export const DATA_SOURCE = Symbol('DATA_SOURCE');

export interface PlatformOptions {
  service: HeartbeatOptions['service'];
  config: {
    KAFKA_BROKERS: string[];
    DATABASE_URL: string;
    INSTANCE_ID: string;
    HEARTBEAT_INTERVAL_MS: number;
    KAFKA_SESSION_TIMEOUT_MS?: number;
  } & KafkaSecuritySettings;
  logger: Logger;
  database: Omit<DatabaseOptions, 'url'>;
  /** The platform's keys, built once from the validated configuration, for every part that needs one. */
  keys?: PlatformKeys;
}

/** Connects the shared publisher and watches Kafka for readiness; disconnects last on shutdown. */
@Injectable()
class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  private admin?: Admin;
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly readiness: Readiness,
  ) {}

  async onModuleInit(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.publisher.connect();
    const admin = this.admin;
    this.readiness.register('kafka', async () => {
      await admin.describeCluster();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
    await this.admin?.disconnect();
  }
}

/** Every consumer of the service is on the one host: ready while all run, stopped after their batch in flight before anything else closes. */
@Injectable()
class ConsumerLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    private readonly host: ConsumerHost,
    private readonly readiness: Readiness,
  ) {}

  onModuleInit(): void {
    this.readiness.register('consumers', async () => this.host.check());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.host.stop();
  }
}

@Injectable()
class DatabaseLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly readiness: Readiness,
  ) {}

  onModuleInit(): void {
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }

  beforeApplicationShutdown(): void {
    this.readiness.markShuttingDown();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** The service's own database, its pool reported as `state` (pg-pool-metrics.ts). */
async function openStateDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = await openDatabase(options);
  observePgPool('state', typeormPool(dataSource));
  return dataSource;
}

@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const kafka = createKafka({
      brokers: options.config.KAFKA_BROKERS,
      clientId: `${options.service}-${options.config.INSTANCE_ID}`,
      log: options.logger,
      security: kafkaSecurityFrom(options.config, options.service),
    });
    return {
      module: PlatformModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        { provide: KAFKA, useValue: kafka },
        { provide: EventPublisher, useValue: new EventPublisher(kafka) },
        {
          provide: ConsumerHost,
          useFactory: (publisher: EventPublisher) => new ConsumerHost(kafka, publisher, options.logger, options.config.KAFKA_SESSION_TIMEOUT_MS),
          inject: [EventPublisher],
        },
        { provide: DATA_SOURCE, useFactory: () => openStateDatabase({ url: options.config.DATABASE_URL, ...options.database }) },
        ...(options.keys ? [{ provide: PlatformKeys, useValue: options.keys }] : []),
        Readiness,
        KafkaLifecycle,
        ConsumerLifecycle,
        DatabaseLifecycle,
        {
          provide: HEARTBEAT_OPTIONS,
          useValue: {
            service: options.service,
            instance: options.config.INSTANCE_ID,
            intervalMs: options.config.HEARTBEAT_INTERVAL_MS,
            logger: options.logger,
          } satisfies HeartbeatOptions,
        },
        Heartbeats,
      ],
      exports: [SERVICE_CONFIG, LOGGER, KAFKA, EventPublisher, ConsumerHost, DATA_SOURCE, Readiness, ...(options.keys ? [PlatformKeys] : [])],
    };
  }
}
