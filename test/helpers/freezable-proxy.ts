import net from 'node:net';

/**
 * A TCP proxy in front of a real server that can be frozen: while frozen it forwards nothing in
 * either direction and closes nothing (both sides stop being read, so bytes wait in the kernel's
 * buffers), and new connections are accepted but not passed on, as with a server stopped by
 * SIGSTOP or a network partition without a reset. Unfrozen, everything flows again, in order.
 */
export class FreezableProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly pending: Array<() => void> = [];
  private frozen = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  unfreeze(): void {
    this.frozen = false;
    // Connections accepted meanwhile get their upstream (and listeners) before anything flows.
    for (const connect of this.pending.splice(0)) connect();
    for (const socket of this.sockets) socket.resume();
  }

  private accept(client: net.Socket): void {
    this.track(client);
    const connect = () => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.track(upstream);
      const forward = (from: net.Socket, to: net.Socket) => {
        from.on('data', (chunk) => to.write(chunk));
        from.on('end', () => to.end());
        from.on('close', () => to.destroy());
      };
      forward(client, upstream);
      forward(upstream, client);
      if (this.frozen) upstream.pause();
    };
    if (this.frozen) {
      client.pause();
      this.pending.push(connect);
    } else {
      connect();
    }
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    if (this.frozen) socket.pause();
  }

  async stop(): Promise<void> {
    this.unfreeze();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
