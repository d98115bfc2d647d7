// Checks the dependency rules of the workspace on Nx's project graph, by project tag (package.json
// "nx": {"tags"}), the way @nx/enforce-module-boundaries does (its ESLint plugin has no release for
// Nx 24 on the registry; imports inside a project are checked by ESLint, see eslint.config.mjs):
//   - type:contracts depends on no other project;
//   - type:lib depends on contracts and libs; type:testing (test helpers) only as a devDependency;
//   - type:app depends on contracts and libs (testing only as a devDependency), never on an app;
//   - type:testing never depends on apps or tools; type:tool never on an app;
//   - there is no cycle among projects.
// Prints one line per violation and exits non-zero when there is any.
// `--graph FILE` checks a graph written by `nx graph --file` instead of the workspace's (for its test).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ALLOWED = {
  'type:contracts': [],
  'type:lib': ['type:contracts', 'type:lib'],
  'type:app': ['type:contracts', 'type:lib'],
  'type:testing': ['type:contracts', 'type:lib', 'type:testing'],
  'type:tool': ['type:contracts', 'type:lib', 'type:testing', 'type:tool'],
};
/** Allowed as devDependencies only (tests and benchmarks), for these source tags. */
const DEV_ONLY = { 'type:lib': ['type:testing'], 'type:app': ['type:testing'] };

export function violationsOf(graph, manifestOf) {
  const violations = [];
  const tagOf = (name) => (graph.nodes[name]?.data.tags ?? []).find((t) => t.startsWith('type:'));
  for (const [source, deps] of Object.entries(graph.dependencies)) {
    if (!graph.nodes[source]) continue;
    const from = tagOf(source);
    if (!from || !ALLOWED[from]) {
      violations.push(`${source} has no type tag (one of ${Object.keys(ALLOWED).join(', ')})`);
      continue;
    }
    const manifest = manifestOf(graph.nodes[source].data.root);
    for (const { target } of deps) {
      if (!graph.nodes[target] || target === source) continue; // npm packages
      const to = tagOf(target);
      if (ALLOWED[from].includes(to)) continue;
      if ((DEV_ONLY[from] ?? []).includes(to)) {
        if (manifest?.dependencies?.[target] !== undefined)
          violations.push(
            `${source} (${from}) lists ${target} (${to}) in dependencies; it is for tests only (devDependencies)`,
          );
        continue;
      }
      violations.push(`${source} (${from}) depends on ${target} (${to ?? 'untagged'})`);
    }
  }
  const edges = (name) => (graph.dependencies[name] ?? []).map((d) => d.target).filter((t) => graph.nodes[t]);
  const state = new Map();
  const visit = (name, path) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'active') {
      violations.push(`import cycle: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
      return;
    }
    state.set(name, 'active');
    for (const next of edges(name)) visit(next, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(graph.nodes)) visit(name, []);
  return violations;
}

const { values } = parseArgs({ options: { graph: { type: 'string' } } });
const dir = mkdtempSync(join(tmpdir(), 'parley-graph-'));
try {
  let file = values.graph;
  if (!file) {
    file = join(dir, 'graph.json');
    execFileSync('npx', ['nx', 'graph', `--file=${file}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const { graph } = JSON.parse(readFileSync(file, 'utf8'));
  const manifestOf = (root) => {
    const path = join(root, 'package.json');
    return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
  };
  const violations = violationsOf(graph, manifestOf);
  if (violations.length > 0) {
    for (const v of violations) console.error(`architecture: ${v}`);
    process.exitCode = 1;
  } else {
    console.log(`architecture: ${Object.keys(graph.nodes).length} projects; module boundaries by tag hold; no cycles`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
