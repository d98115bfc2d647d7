import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ENV_SCRIPTS = fileURLToPath(new URL('../../../tools/env/', import.meta.url));

/** Components the repository knows how to install and run (tools/env/<name>.sh). */
export type ComponentName = 'kafka' | 'synapse' | 'ollama';

/** The instance tests share; the local stack uses another, so the two never collide. */
export const TEST_INSTANCE = process.env['PARLEY_TEST_INSTANCE'] ?? 'test';

/**
 * Starts a component if it is not running (the scripts are idempotent and take a lock, so parallel
 * test files share one server) and returns the KEY=VALUE settings the script reports.
 */
export async function ensureComponent(
  name: ComponentName,
  extraEnv: Record<string, string> = {},
  timeoutMs = 30 * 60_000,
  instance = TEST_INSTANCE,
): Promise<Record<string, string>> {
  try {
    const { stdout } = await run('bash', [`${ENV_SCRIPTS}${name}.sh`, 'start'], {
      env: { ...process.env, PARLEY_INSTANCE: instance, ...extraEnv },
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return parseEnv(stdout);
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String((error as { stderr: unknown }).stderr) : '';
    throw new Error(`could not start ${name} (tools/env/${name}.sh start):\n${detail}`, { cause: error });
  }
}

/** Stops a component of the test instance (used by tests that restart a server on purpose). */
export async function stopComponent(name: ComponentName, instance = TEST_INSTANCE): Promise<void> {
  await run('bash', [`${ENV_SCRIPTS}${name}.sh`, 'stop'], {
    env: { ...process.env, PARLEY_INSTANCE: instance },
    timeout: 120_000,
  });
}

export function parseEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) values[match[1]] = match[2];
  }
  return values;
}

export function required(values: Record<string, string>, key: string, component: ComponentName): string {
  const value = values[key];
  if (value === undefined || value === '') throw new Error(`${component} did not report ${key}`);
  return value;
}

/** Where tools/env keeps the state of running servers (mirrors tools/env/lib.sh). */
export function runDirectory(): string {
  const cache = process.env['PARLEY_CACHE'] ?? `${process.env['HOME'] ?? '/tmp'}/.cache/parley`;
  return process.env['PARLEY_RUN'] ?? `${cache}/run`;
}
