// Starts a service: validated configuration, JSON logs, the Nest app on its port, graceful shutdown.
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { openApiDocument, type HttpApi } from '@medshare/contracts';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { ConfigError, type BaseConfig } from './config';
import { concretePathsFirst, HttpErrorFilter, routedMethods } from './error-renderer';
import { Readiness } from './health';
import { BoundedExpressAdapter, HttpDrain } from './http-server';
import { httpTelemetry } from './http-telemetry';
import { httpsCredentials, type HttpsCredentials } from './https';
import { createLogger, NestPinoLogger, type Logger } from './logger';
import { stopTracing } from './tracing';

/** What bootstrapping reads of a service's configuration (every service schema extends the base one). */
type BootConfig = Pick<
  BaseConfig,
  | 'NODE_ENV'
  | 'LOG_LEVEL'
  | 'HOST'
  | 'SHUTDOWN_TIMEOUT_MS'
  | 'HTTP_REQUEST_TIMEOUT_MS'
  | 'HTTP_HEADERS_TIMEOUT_MS'
  | 'HTTP_KEEP_ALIVE_TIMEOUT_MS'
  | 'HTTPS_CERT_FILE'
  | 'HTTPS_KEY_FILE'
  | 'INSTANCE_ID'
> & { PORT: number };

export interface ServiceDefinition<TConfig extends BootConfig> {
  service: string;
  loadConfig(): TConfig;
  createModule(config: TConfig, logger: Logger): unknown;
  /** Body parsers, pipes: whatever the service's HTTP edge needs before it listens. */
  configure?(app: NestExpressApplication, config: TConfig): void;
  /**
   * The service's HTTP contract (libs/contracts/src/http): served as OpenAPI 3.1 at GET /openapi.json; its
   * `fhirPaths` are where errors are OperationOutcomes (problem+json elsewhere).
   */
  httpApi: HttpApi;
}

export async function bootstrapService<TConfig extends BootConfig>(definition: ServiceDefinition<TConfig>): Promise<INestApplication> {
  let config: TConfig;
  let https: HttpsCredentials | undefined;
  try {
    config = definition.loadConfig();
    https = httpsCredentials(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.service}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(definition.service, config.LOG_LEVEL, { instance: config.INSTANCE_ID });
  try {
    const module = definition.createModule(config, logger);
    const adapter = new BoundedExpressAdapter(
      {
        requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
        headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
        keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      },
      https,
    );
    const app = await NestFactory.create<NestExpressApplication>(module as never, adapter, { logger: new NestPinoLogger(logger), bodyParser: false });
    app.disable('x-powered-by');
    app.use(httpTelemetry(logger)); // first: it times and logs every request, body parsing included
    const express = app.getHttpAdapter().getInstance();
    express.use(concretePathsFirst(express));
    definition.configure?.(app, config);
    const document = JSON.stringify(openApiDocument(definition.httpApi));
    express.get('/openapi.json', (_request: Request, response: Response) => response.type('application/json').send(document));
    app.useGlobalFilters(new HttpErrorFilter(logger, { fhirPaths: definition.httpApi.fhirPaths, allowedMethods: (path) => routedMethods(express, path) }));
    closeOnSignals(app, new HttpDrain(app.getHttpServer()), logger, config.SHUTDOWN_TIMEOUT_MS);
    await app.listen(config.PORT, config.HOST);
    logger.info({ port: config.PORT, host: config.HOST, protocol: https ? 'https' : 'http' }, 'service started');
    return app;
  } catch (error) {
    logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'service failed to start');
    process.exit(1);
  }
}

/**
 * SIGTERM/SIGINT, in this order: report not ready; stop taking HTTP connections and let every request in flight
 * be answered (its decrypt round trips included: the clients it needs are still open); then close the app, whose
 * hooks stop the Kafka consumers after their current batch and close the publisher and the database last.
 * Half the deadline goes to the HTTP drain, the rest to the hooks; past the deadline the process ends with 1.
 */
function closeOnSignals(app: INestApplication, http: HttpDrain, logger: Logger, timeoutMs: number): void {
  let closing = false;
  const close = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal, requestsInFlight: http.requestsInFlight }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      app.get(Readiness, { strict: false }).markShuttingDown();
      const drained = await http.drain(timeoutMs / 2);
      if (drained) logger.info({}, 'http requests drained');
      else logger.warn({ requestsCutOff: http.requestsInFlight }, 'http requests still in flight at the drain deadline were cut off');
      await app.close();
      await stopTracing();
      logger.info({}, 'stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ error: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (signal) => void close(signal));
  process.on('SIGINT', (signal) => void close(signal));
}
