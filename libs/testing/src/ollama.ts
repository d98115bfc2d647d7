import { Ollama } from 'ollama';
import { ensureComponent, required } from './components.ts';

export interface TestOllama {
  url: string;
  version: string;
  /** Small models imported from PyPI-packaged GGUF files (tools/env/ollama.sh). */
  models: string[];
  client(): Ollama;
}

/** The model tests use unless they say otherwise: instruction-tuned and the smallest available. */
export const DEFAULT_TEST_MODEL = 'smollm2-135m-instruct';

/** The run's shared server, or with `instance` one of its own (for tests that stop Ollama). */
export async function startOllama(instance?: string): Promise<TestOllama> {
  const env = await ensureComponent('ollama', {}, undefined, instance);
  const url = required(env, 'OLLAMA_URL', 'ollama');
  return {
    url,
    version: env['OLLAMA_VERSION'] ?? 'unknown',
    models: (env['OLLAMA_MODELS_AVAILABLE'] ?? '').split(' ').filter(Boolean),
    client: () => new Ollama({ host: url }),
  };
}
