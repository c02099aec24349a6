import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '@msd/registry';

export interface LoggedProcess {
  child: ChildProcess;
  /** Every line it wrote, stdout and stderr, as it came. */
  output: string[];
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Node's arguments for a compiled entry point as production runs it: `.ts` on the way fails the start. */
export const builtEntry = (entry: string) => [
  '--conditions=production',
  '--no-experimental-strip-types',
  path.join(repoRoot, entry),
];
/** Node's arguments for an entry point run from its TypeScript sources. */
export const sourceEntry = (entry: string) => ['--import', 'tsx', path.join(repoRoot, entry)];

/** Starts one of our processes with only `PATH` and `env` (JSON logs), keeping its output for the assertions. */
export function startLoggedProcess(args: string[], env: Record<string, string>): LoggedProcess {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!])
    createInterface({ input: stream }).on('line', (line) => output.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

/** Resolves once `url` answers 2xx; throws with the process's output if it exits first or never does. */
export async function waitUntilOk(url: string, { child, output }: LoggedProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited early:\n${output.join('\n')}`);
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered:\n${output.join('\n')}`);
}
