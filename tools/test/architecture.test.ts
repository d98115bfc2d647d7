import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const check = fileURLToPath(new URL('../checks/architecture.mjs', import.meta.url));

/** A workspace of package.json files and the Nx graph of it, as `nx graph --file` writes it. */
function workspace(projects: Record<string, { tag: string; deps?: string[]; dependencies?: string[] }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-arch-'));
  const nodes: Record<string, unknown> = {};
  const dependencies: Record<string, { source: string; target: string; type: string }[]> = {};
  for (const [name, p] of Object.entries(projects)) {
    const root = `libs/${name}`;
    mkdirSync(join(dir, root), { recursive: true });
    const listed = Object.fromEntries((p.dependencies ?? []).map((d) => [d, '0.1.0']));
    writeFileSync(join(dir, root, 'package.json'), JSON.stringify({ name, dependencies: listed }));
    nodes[name] = { name, type: 'lib', data: { root, tags: ['npm:private', p.tag] } };
    dependencies[name] = (p.deps ?? []).map((target) => ({ source: name, target, type: 'static' }));
  }
  writeFileSync(join(dir, 'graph.json'), JSON.stringify({ graph: { nodes, dependencies } }));
  return dir;
}

const run = (dir: string) =>
  spawnSync(process.execPath, [check, '--graph', 'graph.json'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });

describe('architecture rules (tools/checks/architecture.mjs, run by the test command)', () => {
  it('fails on each kind of violation, naming the projects and their tags', () => {
    const result = run(
      workspace({
        contracts: { tag: 'type:contracts', deps: ['kafka'] },
        kafka: { tag: 'type:lib', deps: ['testing', 'ingest'], dependencies: ['testing'] },
        testing: { tag: 'type:testing', deps: ['contracts'] },
        ingest: { tag: 'type:app', deps: ['kafka', 'classifier'] },
        classifier: { tag: 'type:app', deps: ['contracts'] },
        untagged: { tag: 'scope:none' },
      }),
    );
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.sort()).toEqual(
      [
        'architecture: contracts (type:contracts) depends on kafka (type:lib)',
        'architecture: kafka (type:lib) lists testing (type:testing) in dependencies; it is for tests only (devDependencies)',
        'architecture: kafka (type:lib) depends on ingest (type:app)',
        'architecture: ingest (type:app) depends on classifier (type:app)',
        'architecture: untagged has no type tag (one of type:contracts, type:lib, type:app, type:testing, type:tool)',
        'architecture: import cycle: contracts -> kafka -> testing -> contracts',
        'architecture: import cycle: kafka -> ingest -> kafka',
        'architecture: import cycle: contracts -> kafka -> ingest -> classifier -> contracts',
      ].sort(),
    );
  });

  it('passes a workspace that keeps the rules, testing as a devDependency included', () => {
    const result = run(
      workspace({
        contracts: { tag: 'type:contracts' },
        kafka: { tag: 'type:lib', deps: ['contracts', 'testing'] },
        testing: { tag: 'type:testing', deps: ['contracts'] },
        ingest: { tag: 'type:app', deps: ['kafka', 'contracts'] },
      }),
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('4 projects; module boundaries by tag hold; no cycles');
  });

  it('holds for this repository', () => {
    const out = execFileSync(process.execPath, [check], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      timeout: 120_000,
    });
    expect(out).toContain('module boundaries by tag hold');
  }, 150_000);
});
