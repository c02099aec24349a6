const colors = [36, 32, 33, 35, 34, 31, 96];

/** `[product] line` per output line, one color per process when the terminal has colors. */
export function prefixOutput(stream: NodeJS.WriteStream = process.stdout) {
  const assigned = new Map<string, number>();
  const width = 'inventory'.length;
  return (name: string, line: string) => {
    if (!assigned.has(name)) assigned.set(name, colors[assigned.size % colors.length] ?? 37);
    const label = name.padEnd(width);
    const prefix = stream.isTTY ? `\x1b[${assigned.get(name)}m${label}\x1b[0m` : label;
    stream.write(`${prefix} | ${line}\n`);
  };
}
