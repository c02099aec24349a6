import { connect, createServer, type Server, type Socket } from 'node:net';

export interface RoundRobin {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP round-robin in front of a process's replicas, as a Kubernetes Service is: each new
 * connection goes to the next replica; a replica that refuses the connection (killed) is skipped
 * for the next one. Connections are balanced, not requests: a keep-alive client stays on its
 * replica until that connection ends, and the requests in flight on a killed replica fail.
 */
export async function roundRobin(
  port: number,
  backends: readonly number[],
  host = '127.0.0.1',
): Promise<RoundRobin> {
  let next = 0;
  const open = new Set<Socket>();
  const forward = (client: Socket, attempt: number) => {
    const backend = Number(backends[next++ % backends.length]);
    const upstream = connect(backend, host);
    upstream.once('connect', () => {
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.once('error', () => {
      if (upstream.connecting && attempt < backends.length) return forward(client, attempt + 1);
      client.destroy();
    });
    upstream.once('close', () => client.destroy());
    client.once('close', () => upstream.destroy());
    open.add(upstream);
    upstream.once('close', () => open.delete(upstream));
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => {});
    forward(client, 1);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
