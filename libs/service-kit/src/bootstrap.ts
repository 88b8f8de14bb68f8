// Starts a service: validated configuration, JSON logs, the Nest app on its port, graceful shutdown.
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError } from './config';
import { HttpErrorFilter, routedMethods } from './error-renderer';
import { createLogger, NestPinoLogger, type Logger } from './logger';

export interface ServiceDefinition<TConfig extends { LOG_LEVEL: string; PORT: number; HOST: string; SHUTDOWN_TIMEOUT_MS: number }> {
  service: string;
  loadConfig(): TConfig;
  createModule(config: TConfig, logger: Logger): unknown;
  /** Body parsers, pipes: whatever the service's HTTP edge needs before it listens. */
  configure?(app: NestExpressApplication, config: TConfig): void;
  /** Path prefixes of the service's FHIR API: errors there are OperationOutcomes, elsewhere problem+json. */
  fhirPaths?: readonly string[];
}

export async function bootstrapService<TConfig extends { LOG_LEVEL: string; PORT: number; HOST: string; SHUTDOWN_TIMEOUT_MS: number }>(
  definition: ServiceDefinition<TConfig>,
): Promise<INestApplication> {
  let config: TConfig;
  try {
    config = definition.loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.service}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(definition.service, config.LOG_LEVEL);
  try {
    const module = definition.createModule(config, logger);
    const app = await NestFactory.create<NestExpressApplication>(module as never, { logger: new NestPinoLogger(logger), bodyParser: false });
    definition.configure?.(app, config);
    const express = app.getHttpAdapter().getInstance();
    app.useGlobalFilters(new HttpErrorFilter(logger, { fhirPaths: definition.fhirPaths ?? [], allowedMethods: (path) => routedMethods(express, path) }));
    closeOnSignals(app, logger, config.SHUTDOWN_TIMEOUT_MS);
    await app.listen(config.PORT, config.HOST);
    logger.info({ port: config.PORT, host: config.HOST }, 'service started');
    return app;
  } catch (error) {
    logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'service failed to start');
    process.exit(1);
  }
}

/**
 * SIGTERM/SIGINT: stop taking work, let every shutdown hook finish in-flight work (consumers first, then the
 * publisher and the database), exit 0. If the hooks hang past the deadline the process still ends, with 1.
 */
function closeOnSignals(app: INestApplication, logger: Logger, timeoutMs: number): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, timeoutMs).unref();
    app.close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ error: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}
