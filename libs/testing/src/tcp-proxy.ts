import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './ports.ts';

export interface TcpProxy {
  port: number;
  /** Starts accepting on `port` and forwarding to the target: the dependency "appears". */
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A port that refuses connections until `open` is called, then forwards them to `target`: a service
 * pointed at it starts before its dependency and sees the dependency arrive, without stopping a real
 * server that other tests share. (Kafka clients reach the broker this way only for bootstrap; the
 * metadata then names the broker's own address, which is as it would be for a late cluster.)
 */
export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    port,
    open: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer((client) => {
          const upstream = connect(target.port, target.host);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => {
              client.destroy();
              upstream.destroy();
            });
          }
          client.pipe(upstream).pipe(client);
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          resolve();
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server) {
          resolve();
          return;
        }
        server.close(() => {
          resolve();
        });
      }),
  };
}
