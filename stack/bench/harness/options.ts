/**
 * A benchmark's figures from its command line: the full configuration, `--quick` for a short one
 * that checks the script itself, and `--<figure> <value>` (kebab case; lists comma-separated) to
 * override any single figure. `--help` lists them.
 */
import { parseArgs } from 'node:util';

type Figure = number | readonly number[];
type Figures = Record<string, Figure>;
type Widen<T> = T extends number ? number : readonly number[];

export interface BenchOptions<C extends Figures> {
  config: { readonly [K in keyof C]: Widen<C[K]> };
  quick: boolean;
  /** The full configuration, untouched: only such a run replaces `results/<name>.json`. */
  standard: boolean;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export function benchOptions<C extends Figures>(
  usage: string,
  full: C,
  quick: { [K in keyof C]?: Widen<C[K]> },
  argv = process.argv.slice(2),
): BenchOptions<C> {
  const names = Object.keys(full);
  const values: Record<string, string | boolean | undefined> = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      help: { type: 'boolean' },
      ...Object.fromEntries(names.map((name) => [kebab(name), { type: 'string' as const }])),
    },
    strict: true,
  }).values;
  if (values.help) {
    const list = (value: Figure | undefined) => (Array.isArray(value) ? value.join(',') : String(value));
    console.log(`${usage}\n\n  --quick   the short configuration\n`);
    for (const name of names) {
      const short = quick[name as keyof C];
      console.log(
        `  --${kebab(name).padEnd(22)} ${list(full[name])}${short === undefined ? '' : ` (quick: ${list(short)})`}`,
      );
    }
    process.exit(0);
  }
  const config: Record<string, Figure> = { ...full, ...(values.quick ? quick : {}) };
  let overridden = false;
  for (const name of names) {
    const given = values[kebab(name)];
    if (typeof given !== 'string') continue;
    const parsed = given.split(',').map(Number);
    if (parsed.some((n) => !Number.isFinite(n) || n < 0)) throw new Error(`--${kebab(name)}: not a number`);
    config[name] = Array.isArray(full[name]) ? parsed : (parsed[0] ?? Number.NaN);
    overridden = true;
  }
  return {
    config: config as BenchOptions<C>['config'],
    quick: values.quick === true,
    standard: values.quick !== true && !overridden,
  };
}
