import { existsSync } from 'node:fs';
import npmChromium from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

/** Debian's package, when the machine has it. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Chromium for the browser tests: `executablePath` if given, else Debian's when installed, else the
 * one from npm, so that `npm ci` alone is enough.
 */
export function launchChromium(executablePath?: string): Promise<Browser> {
  const path = executablePath ?? (existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return path ? chromium.launch({ executablePath: path, args: ['--no-sandbox'] }) : launchNpmChromium();
}

/**
 * The Chromium build inside the @sparticuz/chromium package, extracted to the temporary directory on
 * first use: no browser download at test time beyond `npm ci`.
 */
export async function launchNpmChromium(): Promise<Browser> {
  // Its flags are for serverless functions; two do not suit a test: with --single-process the
  // browser exits when its first page closes, and --disable-web-security would hide the gateway's
  // CORS answers from the web client.
  const unsuited = new Set(['--single-process', '--disable-web-security']);
  return chromium.launch({
    executablePath: await npmChromium.executablePath(),
    args: npmChromium.args.filter((flag) => !unsuited.has(flag)),
  });
}
