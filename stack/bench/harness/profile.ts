/**
 * Where a process spent its CPU, from the `.cpuprofile` that `node --cpu-prof` writes on exit: self
 * and inclusive time per function and per area (a package, a folder of the repository, Node itself,
 * the garbage collector), over a time window only (the measured load, not start-up or shutdown).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { round } from './stats.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Monotonic clock in µs, the clock V8's profiler stamps samples with (CLOCK_MONOTONIC on Linux). */
export const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/** What a piece of code belongs to: an npm package, a folder of this repository, Node, or V8 itself. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [scope = '', name = ''] = url.slice(modules + 'node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const repo = /\/(gateway|packages\/[\w-]+|subgraphs\/[\w-]+|stack)\//.exec(url);
  if (repo) {
    const generated = url.includes('/generated/') ? ' (prisma client)' : '';
    return `${repo[1]}${generated}`;
  }
  return path.basename(url);
}

export interface ProfileSummary {
  /** Sampled CPU time in the window, idle excluded, ms. */
  busyMs: number;
  /** Self time by area, % of busy time, largest first. */
  areas: Record<string, number>;
  /** The functions with the most self time, % of busy time. */
  topSelf: { fn: string; area: string; percent: number }[];
  /** The functions with the most inclusive time (self + what they called), % of busy time. */
  topInclusive: { fn: string; area: string; percent: number }[];
}

/**
 * Summarizes one profile over `[fromMicros, toMicros]` (monotonic µs; the whole profile if omitted).
 * `(idle)` samples are left out; `(program)` and `(garbage collector)` are areas of their own.
 */
export function summarizeProfile(
  profile: CpuProfile,
  window: { fromMicros?: number; toMicros?: number } = {},
  top = 15,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'} ${path.basename(url)}:${lineNumber + 1}`;
  };
  const areaOfNode = (node: ProfileNode) => areaOf(node.callFrame.url, node.callFrame.functionName);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  const areaOfKey = new Map<string, string>();
  let busy = 0;
  let t = profile.startTime;
  for (const [i, sample] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window.fromMicros !== undefined && t < window.fromMicros) continue;
    if (window.toMicros !== undefined && t > window.toMicros) break;
    const node = byId.get(sample);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    // A sample stands for the time until the next one.
    const micros = profile.timeDeltas[i + 1] ?? delta;
    busy += micros;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + micros);
    const area = areaOfNode(node);
    areaOfKey.set(key, area);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id);
      if (!frame || frame.callFrame.functionName === '(root)') continue;
      const frameKey = keyOf(frame);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      areaOfKey.set(frameKey, areaOfNode(frame));
      inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + micros);
    }
  }
  const percent = (micros: number) => round((100 * micros) / Math.max(1, busy), 1);
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, micros]) => ({ fn, area: areaOfKey.get(fn) ?? '', percent: percent(micros) }));
  return {
    busyMs: round(busy / 1000, 0),
    areas: Object.fromEntries(
      [...areas]
        .sort((a, b) => b[1] - a[1])
        .filter(([, micros]) => percent(micros) >= 0.5)
        .map(([area, micros]) => [area, percent(micros)]),
    ),
    topSelf: ranked(self),
    topInclusive: ranked(inclusive),
  };
}

/** The main-thread profile of each process in `dir` (`CPU.<date>.<pid>.0.<seq>.cpuprofile`), by pid. */
export function readProfiles(dir: string): Map<number, CpuProfile> {
  const profiles = new Map<number, CpuProfile>();
  for (const file of readdirSync(dir)) {
    const match = /^CPU\.\d+\.\d+\.(\d+)\.0\.\d+\.cpuprofile$/.exec(file);
    if (match) profiles.set(Number(match[1]), JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  }
  return profiles;
}
