import { createServer } from 'node:net';

/**
 * The first of `count` consecutive TCP ports free right now on 127.0.0.1, for a stack whose
 * processes take a base port plus their index (as `npm start` does from 4000).
 */
export async function freePortRange(count: number): Promise<number> {
  for (;;) {
    // Below the ephemeral range (32768+), where outgoing connections could take a port meanwhile.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
