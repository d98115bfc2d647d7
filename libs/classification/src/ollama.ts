import { Ollama } from 'ollama';
import { z } from 'zod';
import { BackendUnavailableError } from './backend.ts';
import { errorMessage } from '@parley/service-runtime';

/**
 * The context window every Parley request asks for. One size for all: Ollama reloads a model whose
 * loaded window differs from a request's, and a reload waits for the runner's other requests; mixed
 * sizes against one server stalled requests past their deadline in the test run.
 */
export const DEFAULT_NUM_CTX = 4096;

/** An Ollama client whose every request has a deadline (the npm client sets none on non-streamed calls). */
export function ollamaClient(host: string, timeoutMs: number): Ollama {
  return new Ollama({ host, fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }) });
}

/**
 * Runs one Ollama request. Transport and server failures, an overloaded server (429) and a missing model
 * (404) become BackendUnavailableError, so callers pause and retry instead of dropping the message; a
 * request Ollama refuses as malformed (other 4xx) is a bug and is thrown as it is.
 */
export async function callOllama<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const status = (error as { status_code?: number }).status_code;
    if (status !== undefined && status < 500 && status !== 404 && status !== 429) throw error;
    throw new BackendUnavailableError(`Ollama unavailable: ${errorMessage(error)}`, { cause: error });
  }
}

const Tags = z.object({ models: z.array(z.object({ name: z.string(), model: z.string(), digest: z.string() })) });

/** The model's digest from /api/tags (for lineage and cache keys); unavailable if the model is missing. */
export async function modelDigest(client: Ollama, model: string): Promise<string> {
  const tags = Tags.parse(await callOllama(() => client.list()));
  const wanted = model.includes(':') ? model : `${model}:latest`;
  const found = tags.models.find((m) => m.name === wanted || m.model === wanted);
  if (!found) throw new BackendUnavailableError(`model ${model} is not in Ollama (ollama pull or create it)`);
  return found.digest;
}
