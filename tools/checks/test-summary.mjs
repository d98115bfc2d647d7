// Adds up the Vitest JSON reports of every project into one closing line:
//   tests: N passed, N failed, N skipped
// A project whose report is missing (its runner crashed or never ran) counts as a failure.
// Each failed test is named with the first line of its failure, because CI logs keep only the tail.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

// The repository root; a test passes another.
const root = process.argv[2] ? `${process.argv[2].replace(/\/$/, '')}/` : new URL('../../', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
const failures = [];
// tools is a project of its own (the chart and manifest checks); apps and libs hold one per folder.
const projects = [
  ['tools', ''],
  ...['apps', 'libs'].flatMap((group) =>
    existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => [group, name]) : [],
  ),
];
{
  for (const [group, name] of projects) {
    const project = join(root, group, name);
    if (!existsSync(join(project, 'vitest.config.ts'))) continue;
    const report = join(project, 'test-results', 'vitest.json');
    if (!existsSync(report)) {
      missing.push(name ? `${group}/${name}` : group);
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    const suitesFailed = r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? ' (a test file failed to load)' : '';
    if (suitesFailed) failed += r.numFailedTestSuites;
    for (const file of r.testResults ?? []) {
      const where = file.name.startsWith(root) ? file.name.slice(root.length) : file.name;
      if (file.status === 'failed' && (file.assertionResults ?? []).length === 0)
        failures.push(`${where}: ${firstLine(file.message)}`);
      for (const test of file.assertionResults ?? [])
        if (test.status === 'failed')
          failures.push(`${where} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    }
    console.log(
      `  ${name ? `${group}/${name}` : group}: ${r.numPassedTests} passed, ${r.numFailedTests} failed${suitesFailed}`,
    );
  }
}
for (const m of missing) console.log(`  ${m}: no test report (the runner did not finish)`);
for (const f of failures) console.log(`  FAILED ${f}`);
failed += missing.length;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);

function firstLine(text) {
  // Vitest colours its messages; the summary is read as plain text.
  const plain = stripVTControlCharacters(String(text ?? ''));
  const line = plain.split('\n').find((l) => l.trim() !== '') ?? '(no message)';
  return line.trim().slice(0, 300);
}
