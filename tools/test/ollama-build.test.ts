// tools/env/ollama.sh builds Ollama's CPU backend for this machine's vector instructions: the server's
// `msg=system` line must list every one of AVX2, FMA, F16C (and AVX-512) that the processor has.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOllama } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { ROOT } from './k8s-tools.ts';

describe('the Ollama build', () => {
  it(
    'uses every vector instruction set the processor has',
    async () => {
      await startOllama();
      const env = execFileSync('bash', [join(ROOT, 'tools/env/ollama.sh'), 'env'], {
        env: { ...process.env, PARLEY_INSTANCE: process.env.PARLEY_TEST_INSTANCE ?? 'test' },
        encoding: 'utf8',
      });
      const log = /^OLLAMA_LOG=(.*)$/m.exec(env)?.[1] ?? '';
      const system = readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line.includes('msg=system'))
        .at(-1);
      expect(system, `no msg=system line in ${log}`).toBeDefined();
      const cpu = new Set(/^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? []);
      const wanted = [
        ['avx2', 'AVX2'],
        ['fma', 'FMA'],
        ['f16c', 'F16C'],
        ['avx512f', 'AVX512'],
      ].filter(([flag]) => cpu.has(flag ?? ''));
      expect(cpu.size).toBeGreaterThan(0);
      for (const [flag, name] of wanted)
        expect(system, `${flag} on this CPU`).toMatch(new RegExp(`CPU\\.0\\.${name}=1`));
    },
    20 * 60_000,
  );
});
