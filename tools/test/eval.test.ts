// tools/eval on a team's own labelled file: the classifier's default configuration (real Ollama), the
// README's command verbatim, the JSON report's shape, and a clear error for a bad file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOllama } from '@parley/testing';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-eval-'));

const evaluate = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--conditions=@parley/source', 'tools/eval/run.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 600_000,
  });

describe('tools/eval --file', () => {
  it('measures the default configuration on any labelled JSONL, per task and per language', async () => {
    const ollama = await startOllama();
    const file = join(dir, 'mine.jsonl');
    writeFileSync(
      file,
      [
        { text: 'Please cancel my subscription today', intent: 'cancellation', sentiment: 'neutral', lang: 'en' },
        { text: 'Thank you so much, wonderful service!', intent: 'feedback', sentiment: 'positive', lang: 'en' },
        { text: 'Where is my parcel? It is late again', intent: 'order_status', lang: 'en' },
        { text: 'Quiero cancelar mi pedido', sentiment: 'neutral', lang: 'es' },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const out = join(dir, 'report.json');
    const run = evaluate(['--file', file, '--out', out], { PARLEY_OLLAMA_URL: ollama.url });
    expect(run.stderr).not.toMatch(/item \d+:/);
    expect(run.status).toBe(0);
    type Scores = {
      accuracy: number;
      macroRecall: number;
      macroF1: number;
      perLanguage: Record<string, { items: number; accuracy: number }>;
    };
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      items: number;
      failures: number;
      lineage: { backend: string; parts: string[] };
      intent: Scores;
      sentiment: Scores;
      messagesPerSecond: number;
    };
    expect([report.items, report.failures, report.lineage.backend]).toEqual([4, 0, 'llm']);
    expect(report.lineage.parts).toContain('llm');
    for (const task of [report.intent, report.sentiment])
      for (const value of [task.accuracy, task.macroRecall, task.macroF1]) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
    expect(report.messagesPerSecond).toBeGreaterThan(0);
    // Three items carry an intent (all English); three carry a sentiment (two English, one Spanish).
    expect(Object.keys(report.intent.perLanguage)).toEqual(['en']);
    expect(report.intent.perLanguage['en']?.items).toBe(3);
    expect(Object.keys(report.sentiment.perLanguage).sort()).toEqual(['en', 'es']);
    expect(report.sentiment.perLanguage['es']?.items).toBe(1);
    expect(run.stdout).toContain('intent: macro-recall');
  }, 600_000);

  it('runs the README command on the Spanish development set with the lexicon backend', () => {
    const readme = readFileSync(join(root, 'tools/eval/dev/README.md'), 'utf8');
    const command = /```bash\n(node [^\n]+)\n```/.exec(readme)?.[1] ?? '';
    expect(command).toContain('--file tools/eval/dev/es.jsonl');
    const out = join(dir, 'es.json');
    const run = spawnSync('bash', ['-c', `${command} --backend baseline --out ${out}`], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { items: number; intent: { perLanguage: object } };
    expect(report.items).toBe(36);
    expect(Object.keys(report.intent.perLanguage)).toEqual(['es']);
  }, 120_000);

  it('refuses a file with a bad line or an intent the taxonomy lacks, naming the line', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text":"hi","intent":"greeting"}\n{"text":"missing labels"}\n');
    const run = evaluate(['--file', bad, '--backend', 'baseline']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/bad\.jsonl[\s\S]*line 2/);
    const unknown = join(dir, 'unknown.jsonl');
    writeFileSync(unknown, '{"text":"hi","intent":"smalltalk"}\n');
    const second = evaluate(['--file', unknown, '--backend', 'baseline']);
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/intents not in taxonomy customer-default: smalltalk/);
  }, 120_000);
});
