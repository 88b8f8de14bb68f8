// The HTTP server every service listens with: bounded time to receive a request, and a drain that stops taking
// requests, lets the ones in flight finish and only then lets the service close its clients.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { HttpsCredentials } from './https';

export interface HttpTimeouts {
  /** The whole request (headers and body) must arrive within this: a client trickling its body is cut off. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

/** Node checks the request and headers deadlines on a timer (30 s by default): every second keeps the bound tight. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

/**
 * Nest's Express adapter with a server created with the service's timeouts (Node takes some only at creation):
 * HTTPS with TLS 1.3 only when given a certificate and key, else plain HTTP.
 */
export class BoundedExpressAdapter extends ExpressAdapter {
  constructor(
    private readonly timeouts: HttpTimeouts,
    private readonly https?: HttpsCredentials,
  ) {
    super();
  }

  override initHttpServer(_options: NestApplicationOptions): void {
    const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs } = this.timeouts;
    const options = {
      requestTimeout: requestTimeoutMs,
      // Node refuses a headers deadline beyond the request's.
      headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
      keepAliveTimeout: keepAliveTimeoutMs,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    };
    const server = this.https
      ? createHttpsServer({ ...options, ...this.https, minVersion: 'TLSv1.3' }, this.getInstance())
      : createServer(options, this.getInstance());
    this.setHttpServer(server);
  }
}

/** Knows the answers in flight, so a stop can wait for them and ask keep-alive clients to go. */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;

  constructor(private readonly server: Server | HttpsServer) {
    // First listener: a response is known before the application can finish it.
    server.prependListener('request', (_request, response: ServerResponse) => {
      this.inFlight.add(response);
      response.once('close', () => this.inFlight.delete(response));
      if (this.draining) closeAfter(response);
    });
  }

  /**
   * Stops accepting connections, closes idle keep-alive ones, and resolves when every request in flight was
   * answered (true) or, past `deadlineMs`, after cutting the rest off (false).
   */
  async drain(deadlineMs: number): Promise<boolean> {
    this.draining = true;
    for (const response of this.inFlight) closeAfter(response);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const drained = await Promise.race([closed.then(() => true as const), deadline]);
    clearTimeout(timer);
    if (!drained) this.server.closeAllConnections();
    return drained;
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }
}

/** The connection ends with this answer: the client opens its next one elsewhere. */
function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}
