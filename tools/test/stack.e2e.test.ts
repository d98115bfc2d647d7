import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONVERSATIONS } from '../demo/conversations.ts';
import { ROOT, run } from './k8s-tools.ts';

/** The shell commands of the README's "Two commands" section, as written. */
function twoCommands(readme: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Two commands')) ?? '';
  return [...section.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] ?? '').split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#')),
  );
}

/** Runs a command line with bash in `cwd`, bounded; its output whatever happens. */
function shell(command: string, cwd: string, timeoutMs: number) {
  // Test settings (instances, ports) are the test run's, not a newcomer's.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PARLEY_')));
  const result = spawnSync('bash', ['-c', command], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}`, signal: result.signal };
}

describe("the README's main command on a fresh clone", () => {
  // Tracked files only, as a clone has them: no node_modules, no build output.
  const clone = mkdtempSync(join(tmpdir(), 'readme-stack-'));
  afterAll(() => {
    if (existsSync(join(clone, 'tools/stack.sh'))) shell('bash tools/stack.sh down', clone, 120_000);
  });

  it(
    'brings the stack up, plays the demo to its conversation table, and takes it down',
    () => {
      const files = run('git', ['ls-files'], { cwd: ROOT });
      expect(files.code, files.stderr).toBe(0);
      for (const file of files.stdout.split('\n').filter(Boolean)) {
        if (!existsSync(join(ROOT, file))) continue; // deleted in the work tree, not yet committed
        mkdirSync(dirname(join(clone, file)), { recursive: true });
        copyFileSync(join(ROOT, file), join(clone, file));
      }
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const [up, ...rest] = twoCommands(readme);
      expect(up).toBe('bash tools/stack.sh up');
      expect(readme).toContain('`bash tools/stack.sh down`');

      const started = shell(up ?? '', clone, 20 * 60_000);
      expect(started.code, started.out.slice(-4000)).toBe(0);
      // Every part up and the services healthy before the demo.
      for (const part of ['kafka', 'synapse', 'ollama', 'mautrix-wa'])
        expect(started.out).toMatch(new RegExp(`^${part}\\s+running`, 'm'));
      for (const service of ['ingest', 'classifier', 'crm-sink'])
        expect(started.out).toMatch(new RegExp(`^${service}\\s+healthy`, 'm'));
      // The demo reached its end: a table row per conversation, with a status and a segment.
      const table = started.out.split('conversations (parley.conversations.v1)\n')[1] ?? '';
      expect(table, started.out.slice(-4000)).not.toBe('');
      for (const { name } of CONVERSATIONS)
        expect(table).toMatch(
          new RegExp(`^  ${name}\\s+(open|resolved)\\s+\\S+ s\\s+.*\\s+(new|active|at-risk|loyal|dormant)$`, 'm'),
        );
      expect(started.out).not.toContain('demo failed');
      // The CRM records (NDJSON without Twenty) hold this run's customers and their conversations (the demo
      // gives its customers new numbers each run; the file keeps earlier runs' records too).
      const keys = new Map(
        [...started.out.matchAll(/^crm\s+chat message \S+ in (.+?) → (whatsapp:\+\d+)/gm)].map((m) => [m[1], m[2]]),
      );
      expect([...keys.keys()].sort()).toEqual(CONVERSATIONS.map((c) => c.name).sort());
      const path = /^CRM records: (.+)$/m.exec(started.out)?.[1] ?? '';
      const lines = readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { kind: string; key: string; record: { contactKey?: string | null } });
      for (const key of keys.values()) {
        expect(
          lines.some((l) => l.kind === 'contact' && l.key === key),
          key,
        ).toBe(true);
        expect(
          lines.some((l) => l.kind === 'conversation' && l.record.contactKey === key),
          key,
        ).toBe(true);
      }
      // The other command is the test command (this run); it is not run from inside itself.
      expect(rest).toEqual(['bash tools/test.sh']);

      const stopped = shell('bash tools/stack.sh down', clone, 120_000);
      expect(stopped.code, stopped.out).toBe(0);
      const status = shell('bash tools/stack.sh status', clone, 60_000);
      for (const service of ['ingest', 'classifier', 'crm-sink'])
        expect(status.out).toMatch(new RegExp(`^${service}\\s+down`, 'm'));
    },
    25 * 60_000,
  );
});
