// Adds up the Vitest JSON reports of every project into one closing line:
//   tests: N passed, N failed, N skipped
// A project whose report is missing (its runner crashed or never ran) counts as a failure.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
// tools is a project of its own (the chart and manifest checks); apps and libs hold one per folder.
const projects = [
  ['tools', ''],
  ...['apps', 'libs'].flatMap((group) => readdirSync(join(root, group)).map((name) => [group, name])),
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
    console.log(
      `  ${name ? `${group}/${name}` : group}: ${r.numPassedTests} passed, ${r.numFailedTests} failed${suitesFailed}`,
    );
  }
}
for (const m of missing) console.log(`  ${m}: no test report (the runner did not finish)`);
failed += missing.length;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
