import { readFileSync } from 'node:fs';
import path from 'node:path';
import { processes, repoRoot } from '@msd/registry';
import { describeVariables, processConfig } from '@msd/service-kit';
import { describe, expect, it } from 'vitest';
import { configurationReference } from '../src/configuration/configurationReference.ts';
import { processVariables } from '../src/configuration/processVariables.ts';

describe('docs/configuration.md', () => {
  it('is what the schemas give (npm run docs:config rewrites it)', () => {
    const committed = readFileSync(path.join(repoRoot, 'docs', 'configuration.md'), 'utf8');
    expect(committed).toBe(configurationReference());
  });

  it('says what every variable is for', () => {
    const undescribed = processes.flatMap(({ name }) =>
      describeVariables(processConfig(name, processVariables[name] ?? {}))
        .filter((variable) => variable.meaning.trim() === '')
        .map((variable) => `${name}: ${variable.name}`),
    );
    expect(undescribed).toEqual([]);
  });
});
