import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A service started as its own Node process, the way an orchestrator runs it. */
export interface ServiceProcess {
  /** Base URL of its HTTP server, from its "listening" log line. */
  url: string;
  child: ChildProcess;
  /** Every JSON log line it wrote to stdout so far. */
  logs: Record<string, unknown>[];
  stderr(): string;
  /** Sends a signal and waits for the exit code (bounded). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export interface SpawnServiceOptions {
  /** Entry file, run from TypeScript source (Node 24 strips types). */
  entry: string;
  env: Record<string, string>;
  startTimeoutMs?: number;
}

export async function spawnService(options: SpawnServiceOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--conditions=@parley/source', options.entry], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PARLEY_HTTP_PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  let resolveUrl: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => (resolveUrl = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry['msg'] === 'listening' && typeof entry['address'] === 'string') resolveUrl(entry['address']);
      } catch {
        logs.push({ unparsed: line });
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const timeout = options.startTimeoutMs ?? 30_000;
  const url = await Promise.race([
    listening,
    exited.then((code) => {
      throw new Error(`service exited with ${code} before listening:\n${stderr}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => {
        reject(new Error(`service did not listen within ${timeout} ms:\n${stderr}`));
      }, timeout),
    ),
  ]);

  return {
    url,
    child,
    logs,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs a service expected to exit on its own (for example on a bad setting). */
export async function runServiceToExit(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--conditions=@parley/source', entry, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr, stdout };
}
