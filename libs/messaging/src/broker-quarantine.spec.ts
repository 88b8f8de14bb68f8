import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { BrokerQuarantine } from './broker-quarantine';

describe('BrokerQuarantine', () => {
  let server: Server;
  let port: number;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    // Accepts and never answers, like a frozen broker whose kernel still completes the handshake.
    server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const connect = (quarantine: BrokerQuarantine): Promise<Socket> =>
    new Promise((resolve) => {
      const socket: Socket = quarantine.socketFactory({ host: '127.0.0.1', port, ssl: undefined as never, onConnect: () => resolve(socket) });
    });

  it('closes the connections to a broker that timed out with an error and refuses new ones until the time is up', async () => {
    const quarantine = new BrokerQuarantine(300);
    const socket = await connect(quarantine);
    const failed = new Promise<Error>((resolve) => socket.once('error', resolve));

    quarantine.quarantine(`127.0.0.1:${port}`);

    expect((await failed).message).toContain('let a request time out');
    expect(socket.destroyed).toBe(true);
    await expect(connect(quarantine)).rejects.toThrow(/avoided/);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const again = await connect(quarantine);
    expect(again.destroyed).toBe(false);
    again.destroy();
  });

  it('leaves the connections to other brokers open', async () => {
    const quarantine = new BrokerQuarantine(1_000);
    const socket = await connect(quarantine);

    quarantine.quarantine('127.0.0.1:1');

    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});
