// Checks the dependency rules of the workspace from Nx's project graph:
//   - apps depend on libs only (never on another app);
//   - libs never depend on apps;
//   - there is no import cycle among projects.
// Prints one line per violation and exits non-zero when there is any.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'parley-graph-'));
const file = join(dir, 'graph.json');
try {
  execFileSync('npx', ['nx', 'graph', `--file=${file}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { graph } = JSON.parse(readFileSync(file, 'utf8'));
  const root = (name) => graph.nodes[name]?.data.root ?? '';
  const isApp = (name) => root(name).startsWith('apps/');
  const violations = [];
  for (const [source, deps] of Object.entries(graph.dependencies)) {
    for (const { target } of deps) {
      if (!graph.nodes[target]) continue; // npm packages
      if (isApp(target)) violations.push(`${source} depends on the app ${target}`);
    }
  }
  // Cycle search over project-to-project edges.
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
  const projects = Object.keys(graph.nodes).length;
  if (violations.length > 0) {
    for (const v of violations) console.error(`architecture: ${v}`);
    process.exit(1);
  }
  console.log(`architecture: ${projects} projects; apps depend on libs only; no cycles`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
