import type { ChangeClass, SchemaCheckReport } from './checkSchema.ts';

const heading: Record<ChangeClass, string> = {
  breaking: 'BREAKING  ',
  dangerous: 'DANGEROUS ',
  safe: 'safe      ',
};

/**
 * The report as a CI log reads it: one line per change, breaking first, each breaking or
 * dangerous change followed by the registered operations it hits; then the invalid operations and
 * a one-line verdict. With `github`, also GitHub Actions `::error::`/`::warning::` annotations.
 */
export function formatSchemaCheck(
  report: SchemaCheckReport,
  options: { base: string; github?: boolean },
): string {
  const lines = [`Schema check: the composed API schema against ${options.base}`, ''];
  const order: ChangeClass[] = ['breaking', 'dangerous', 'safe'];
  const changes = [...report.changes].sort((a, b) => order.indexOf(a.class) - order.indexOf(b.class));
  if (changes.length === 0) lines.push('  no changes to the API schema');
  // Description edits are safe and verbose: counted, not listed.
  const descriptions = changes.filter(
    (change) => change.class === 'safe' && change.type.includes('DESCRIPTION'),
  );
  for (const change of changes) {
    if (descriptions.includes(change)) continue;
    lines.push(`  ${heading[change.class]}${change.path ?? ''}: ${change.message.replace(/\s*\n\s*/g, ' ')}`);
    if (change.class === 'safe') continue;
    lines.push(
      change.operations.length
        ? `            hits ${change.operations.length} registered operation(s): ${change.operations.join(', ')}`
        : '            no registered operation uses it (other clients may)',
    );
    if (options.github)
      lines.push(
        `::${change.class === 'breaking' ? 'error' : 'warning'} title=Schema ${change.class}::${change.path ?? ''}: ${change.message}${change.operations.length ? ` (operations: ${change.operations.join(', ')})` : ''}`,
      );
  }
  if (descriptions.length) lines.push(`  ${heading.safe}${descriptions.length} description change(s)`);
  for (const { operation, errors } of report.invalidOperations) {
    lines.push('', `  INVALID   operation ${operation} no longer validates:`);
    for (const error of errors) lines.push(`            ${error}`);
    if (options.github) lines.push(`::error title=Operation ${operation} invalid::${errors.join(' ')}`);
  }
  const count = (kind: ChangeClass) => report.changes.filter((change) => change.class === kind).length;
  lines.push(
    '',
    `${report.passed ? 'PASS' : 'FAIL'}: ${count('breaking')} breaking, ${count('dangerous')} dangerous, ${count('safe')} safe; ` +
      `${report.operationCount - report.invalidOperations.length}/${report.operationCount} registered operations valid`,
  );
  return lines.join('\n');
}
