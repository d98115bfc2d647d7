import { describe, expect, it } from 'vitest';
import { runService } from '../src/lifecycle.ts';
import { createLogger } from '../src/logger.ts';
import { Readiness } from '../src/readiness.ts';

const logger = createLogger({ service: 'unit', level: 'silent' });

function exitRecorder() {
  const codes: number[] = [];
  let resolve: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolve = r));
  return {
    codes,
    exited,
    exit: (code: number) => {
      codes.push(code);
      resolve(code);
    },
  };
}

describe('runService', () => {
  it('drains in-flight work on stop, marks itself not ready, and exits 0', async () => {
    const readiness = new Readiness();
    const recorder = exitRecorder();
    const finished: string[] = [];
    const service = await runService({
      name: 'unit',
      logger,
      readiness,
      drainTimeoutMs: 1000,
      signals: [],
      exit: recorder.exit,
      start: async () => ({
        close: async () => {
          await new Promise((r) => setTimeout(r, 20));
          finished.push('drained');
        },
      }),
    });
    await service.stop('test');
    expect(await recorder.exited).toBe(0);
    expect(finished).toEqual(['drained']);
    expect(readiness.snapshot().shuttingDown).toBe(true);
  });

  it('exits non-zero when the drain overruns its bound', async () => {
    const recorder = exitRecorder();
    const service = await runService({
      name: 'unit',
      logger,
      readiness: new Readiness(),
      drainTimeoutMs: 30,
      signals: [],
      exit: recorder.exit,
      start: async () => ({ close: () => new Promise<void>(() => undefined) }),
    });
    await service.stop('test');
    expect(await recorder.exited).toBe(1);
  });

  it('exits non-zero when start-up fails', async () => {
    const recorder = exitRecorder();
    await runService({
      name: 'unit',
      logger,
      readiness: new Readiness(),
      drainTimeoutMs: 30,
      signals: [],
      exit: recorder.exit,
      start: () => Promise.reject(new Error('no broker')),
    });
    expect(await recorder.exited).toBe(1);
  });
});
