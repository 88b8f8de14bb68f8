// Keeps a kafkajs client away from a broker that let a request time out (frozen by SIGSTOP, wedged, partitioned
// away). kafkajs alone retries a timed-out produce on the same connection to the same broker and refreshes
// metadata only after connection errors, so a frozen leader stalled sends for as long as it stayed frozen, even
// after the controller had moved its partitions (measured: 32 s for a 30 s freeze). After a timeout this closes
// every connection of the client to that broker and refuses new ones for a while: the retry then fails to
// connect, and a connection error makes kafkajs refresh metadata from a broker that answers and follow the new
// leader. The retry keeps its producer id and sequence numbers, so the idempotent producer still deduplicates.
// A client that knows no other broker (a single-broker cluster) keeps its connections: there is no leader to move
// to, and leaving the only broker would just drop every consumer of the client from its group.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** kafkajs' own socket factory keeps connections alive with this delay. */
const KEEP_ALIVE_DELAY_MS = 60_000;

export class BrokerQuarantine {
  private readonly sockets = new Map<string, Set<Socket>>();
  private readonly refusedUntil = new Map<string, number>();
  /** Every broker this client ever connected to. */
  private readonly known = new Set<string>();

  /** durationMs: long enough for the controller to move the broker's partitions (its session timeout) */
  constructor(private readonly durationMs: number) {}

  /** kafkajs' default socket factory, plus the bookkeeping and the refusal. */
  readonly socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const broker = `${host}:${port}`;
    this.known.add(broker);
    // kafkajs turns a throw here into a KafkaJSConnectionError, which is what makes it refresh its metadata.
    if ((this.refusedUntil.get(broker) ?? 0) > Date.now()) throw new Error(`broker ${broker} let a request time out; avoided for now`);
    const socket = ssl ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect) : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    let open = this.sockets.get(broker);
    if (!open) {
      open = new Set();
      this.sockets.set(broker, open);
    }
    const tracked = open;
    tracked.add(socket);
    socket.once('close', () => tracked.delete(socket));
    return socket;
  };

  /** broker is kafkajs' "host:port" (RequestTimeoutEvent.payload.broker). */
  quarantine(broker: string): void {
    if (![...this.known].some((other) => other !== broker)) return;
    this.refusedUntil.set(broker, Date.now() + this.durationMs);
    // With an error: kafkajs listens for 'error' (not 'close') to mark the connection down.
    for (const socket of this.sockets.get(broker) ?? []) socket.destroy(new Error(`broker ${broker} let a request time out`));
  }
}
