import { describe, expect, it } from 'vitest';
import { runServiceToExit, spawnService } from './service-process.ts';

/**
 * The behaviour every service process owes its orchestrator: it starts, answers liveness, reports
 * readiness and metrics, drains on SIGTERM and exits 0, and refuses a bad setting by name.
 */
export function describeServiceLifecycle(name: string, entry: string, env: Record<string, string> = {}): void {
  describe(`${name} process lifecycle`, () => {
    it('starts, answers /healthz, /readyz and /metrics, and exits 0 after SIGTERM', async () => {
      const service = await spawnService({ entry, env: { PARLEY_HTTP_HOST: '127.0.0.1', ...env } });
      try {
        const health = await fetch(`${service.url}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });
        // Its dependencies are unreachable addresses: not ready, and the report says which and why.
        const ready = await fetch(`${service.url}/readyz`);
        expect(ready.status).toBe(503);
        const report = (await ready.json()) as {
          ready: boolean;
          dependencies: Record<string, { ready: boolean; detail: string }>;
        };
        expect(report.ready).toBe(false);
        expect(report.dependencies['kafka']).toMatchObject({ ready: false });
        expect(report.dependencies['kafka']?.detail).not.toBe('');
        const metrics = await fetch(`${service.url}/metrics`);
        expect(await metrics.text()).toContain(`service="${name}"`);
      } finally {
        const code = await service.stop('SIGTERM');
        expect(code, service.stderr()).toBe(0);
      }
      expect(service.logs.map((l) => l['msg'])).toEqual(
        expect.arrayContaining([`${name} started`, 'shutting down', 'stopped cleanly']),
      );
      expect(service.logs.every((l) => l['service'] === name || 'unparsed' in l)).toBe(true);
    });

    it('stops at start-up with exit code 78 and a message naming a wrong setting', async () => {
      const result = await runServiceToExit(entry, { ...env, PARLEY_HTTP_PORT: 'eighty' });
      expect(result.code).toBe(78);
      expect(result.stderr).toContain('PARLEY_HTTP_PORT');
      expect(result.stderr).toContain(`${name}: invalid configuration`);
    });
  });
}
