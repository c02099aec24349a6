import path from 'node:path';
import { type ProcessName, processes, repoRoot, serviceEntry } from '@msd/registry';
import {
  describeVariables,
  processConfig,
  type VariableDescription,
  type VariableShape,
} from '@msd/service-kit';
import { processVariables } from './processVariables.ts';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

// A default inside the checkout (a file path) is shown relative to it: the page is the same in every clone.
const portable = (value: string) =>
  value.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, value) : value;
const defaultCell = ({ defaultValue }: VariableDescription) =>
  defaultValue === undefined ? 'unset' : `\`${cell(portable(defaultValue))}\``;

function table(rows: readonly VariableDescription[], defaultOf = defaultCell) {
  return [
    '| Variable | Default | Expected | Meaning |',
    '|----------|---------|----------|---------|',
    ...rows.map(
      (row) => `| \`${row.name}\` | ${defaultOf(row)} | ${cell(row.expected)} | ${cell(row.meaning)} |`,
    ),
  ].join('\n');
}

/**
 * docs/configuration.md: every variable of every process, from the zod schemas the processes parse
 * at start (`processConfig` and each one's own variables), so the page cannot drift from the code.
 */
export function configurationReference(
  variables: Partial<Record<ProcessName, VariableShape>> = processVariables,
): string {
  const common = describeVariables(processConfig('gateway'));
  const sections = processes.map(({ name }) => {
    const own = variables[name];
    const heading = `## ${name}\n\nListens on \`PORT\`, default \`${serviceEntry(name).port}\`.`;
    if (own === undefined) return `${heading} Its own variables are not listed here yet (see its README).`;
    const rows = describeVariables(processConfig(name, own)).filter(
      (row) => !common.some((shared) => shared.name === row.name),
    );
    return rows.length === 0 ? `${heading} No variables of its own.` : `${heading}\n\n${table(rows)}`;
  });
  return `${[
    '# Configuration',
    '<!-- Generated from the zod schemas by `npm run docs:config`; a test fails when it differs from them. -->',
    [
      'Each process reads its environment once, at start, with the schema of its entry point, and',
      'hands typed options to everything else. A variable set to the empty string counts as unset.',
      'A value that does not fit stops the process before it serves anything: exit code 1, one line',
      'per variable at fault, naming it and what was expected (`PORT: Invalid input: expected number,',
      'received NaN (got "abc")`). Secrets are never echoed.',
    ].join('\n'),
    '## Every process',
    table(common, (row) => (row.name === 'PORT' ? "the process's own (below)" : defaultCell(row))),
    ...sections,
  ].join('\n\n')}\n`;
}
