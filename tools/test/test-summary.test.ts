import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = new URL('../checks/test-summary.mjs', import.meta.url).pathname;

/** A Vitest JSON report: every count zero unless given. */
const report = (fields: Record<string, unknown>) => ({
  numPassedTests: 0,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  numFailedTestSuites: 0,
  testResults: [],
  ...fields,
});

const summary = (root: string) => spawnSync(process.execPath, [script, root], { encoding: 'utf8' });

describe('the test command’s closing summary', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  /** A repository of one project, libs/example, whose report is made from the repository's root. */
  const repositoryWith = (reportAt: (root: string) => object): string => {
    const root = mkdtempSync(join(tmpdir(), 'parley-summary-'));
    made.push(root);
    const project = join(root, 'libs', 'example');
    mkdirSync(join(project, 'test-results'), { recursive: true });
    writeFileSync(join(project, 'vitest.config.ts'), 'export default {};\n');
    writeFileSync(join(project, 'test-results', 'vitest.json'), JSON.stringify(reportAt(root)));
    return root;
  };

  it('names each failed test with the first line of its failure, and exits 1', () => {
    const root = repositoryWith((at) =>
      report({
        numPassedTests: 1,
        numFailedTests: 1,
        numFailedTestSuites: 1,
        testResults: [
          {
            name: join(at, 'libs', 'example', 'test', 'a.test.ts'),
            status: 'failed',
            message: '',
            assertionResults: [
              { fullName: 'a works', status: 'passed', failureMessages: [] },
              {
                fullName: 'a pacing sends without a 429',
                status: 'failed',
                failureMessages: [
                  '\u001b[31mAssertionError: expected [ 101 ] to deeply equal []\u001b[39m\n    at x.ts:1',
                ],
              },
            ],
          },
        ],
      }),
    );
    const run = summary(root);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      'FAILED libs/example/test/a.test.ts › a pacing sends without a 429: AssertionError: expected [ 101 ] to deeply equal []',
    );
    expect(run.stdout).not.toContain('a works');
    expect(run.stdout).toContain('tests: 1 passed, 1 failed, 0 skipped');
  });

  it('names a test file that failed to load, and a project without a report', () => {
    const root = repositoryWith(() =>
      report({
        numFailedTestSuites: 1,
        testResults: [
          { name: '/elsewhere/b.test.ts', status: 'failed', message: 'Cannot find module x', assertionResults: [] },
        ],
      }),
    );
    mkdirSync(join(root, 'apps', 'silent'), { recursive: true });
    writeFileSync(join(root, 'apps', 'silent', 'vitest.config.ts'), 'export default {};\n');
    const run = summary(root);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('FAILED /elsewhere/b.test.ts: Cannot find module x');
    expect(run.stdout).toContain('apps/silent: no test report (the runner did not finish)');
    expect(run.stdout).toContain('tests: 0 passed, 2 failed, 0 skipped');
  });

  it('exits 0 when every test passed', () => {
    const run = summary(repositoryWith(() => report({ numPassedTests: 2 })));
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain('FAILED');
    expect(run.stdout).toContain('tests: 2 passed, 0 failed, 0 skipped');
  });
});
