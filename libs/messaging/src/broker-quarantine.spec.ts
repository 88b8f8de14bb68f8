import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { BrokerQuarantine } from './broker-quarantine';

describe('BrokerQuarantine', () => {
  const servers: Server[] = [];
  let port: number;
  let otherPort: number;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    // Two brokers that accept and never answer, like frozen brokers whose kernel still completes the handshake.
    [port, otherPort] = await Promise.all(
      [0, 1].map(async () => {
        const server = createServer((socket) => accepted.push(socket));
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return (server.address() as AddressInfo).port;
      }),
    );
  });

  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  const connect = (quarantine: BrokerQuarantine, to = port): Promise<Socket> =>
    new Promise((resolve) => {
      const socket: Socket = quarantine.socketFactory({ host: '127.0.0.1', port: to, ssl: undefined as never, onConnect: () => resolve(socket) });
    });

  it('closes the connections to a broker that timed out with an error and refuses new ones until the time is up', async () => {
    const quarantine = new BrokerQuarantine(300);
    (await connect(quarantine, otherPort)).destroy();
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
    (await connect(quarantine, otherPort)).destroy();

    quarantine.quarantine(`127.0.0.1:${otherPort}`);

    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('keeps the only broker it knows: a single-broker cluster has no leader to move to', async () => {
    const quarantine = new BrokerQuarantine(1_000);
    const socket = await connect(quarantine);

    quarantine.quarantine(`127.0.0.1:${port}`);

    expect(socket.destroyed).toBe(false);
    const again = await connect(quarantine);
    expect(again.destroyed).toBe(false);
    again.destroy();
    socket.destroy();
  });
});
