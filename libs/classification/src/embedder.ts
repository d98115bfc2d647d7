import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ollama } from 'ollama';
import { z } from 'zod';
import { callOllama, modelDigest, ollamaClient } from './ollama.ts';

/** Turns texts into unit-length vectors whose dot product is their similarity. */
export interface Embedder {
  /** The model and its digest: vectors of different models are never compared. */
  id(): Promise<string>;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

export interface OllamaEmbedderOptions {
  host: string;
  model: string;
  requestTimeoutMs?: number;
  /** Texts per /api/embed request. */
  batchSize?: number;
  /**
   * A directory where vectors are kept between runs, one file per model digest: an example store of
   * 10,000 texts takes minutes to embed on two cores and a moment to read back.
   */
  cacheDir?: string;
}

const EmbedAnswer = z.object({ embeddings: z.array(z.array(z.number())) });

/** Embeddings through Ollama's /api/embed (for example all-MiniLM-L6-v2, see tools/env/ollama.sh). */
export class OllamaEmbedder implements Embedder {
  private readonly options: OllamaEmbedderOptions;
  private readonly client: Ollama;
  private digest: string | undefined;
  private disk: Map<string, Float32Array> | undefined;

  constructor(options: OllamaEmbedderOptions) {
    this.options = options;
    this.client = ollamaClient(options.host, options.requestTimeoutMs ?? 120_000);
  }

  async id(): Promise<string> {
    this.digest ??= await modelDigest(this.client, this.options.model);
    return `${this.options.model}@${this.digest}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const cache = await this.cache();
    const keys = texts.map(textKey);
    const missing = [...new Set(keys.filter((k) => !cache?.has(k)))];
    const fresh = new Map<string, Float32Array>();
    const textOf = new Map(keys.map((k, i) => [k, texts[i] ?? '']));
    const size = this.options.batchSize ?? 64;
    for (let start = 0; start < missing.length; start += size) {
      const batch = missing.slice(start, start + size);
      const answer = EmbedAnswer.parse(
        await callOllama(() =>
          this.client.embed({
            model: this.options.model,
            input: batch.map((k) => textOf.get(k) ?? ''),
            truncate: true,
            keep_alive: '30m',
          }),
        ),
      );
      if (answer.embeddings.length !== batch.length)
        throw new Error(`Ollama returned ${answer.embeddings.length} embeddings for ${batch.length} texts`);
      batch.forEach((k, i) => fresh.set(k, unit(answer.embeddings[i] ?? [])));
      if (cache) this.persist(batch.map((k) => [k, fresh.get(k) ?? new Float32Array()]));
    }
    return keys.map((k) => {
      const vector = fresh.get(k) ?? cache?.get(k);
      if (!vector) throw new Error('embedding missing after a complete answer');
      return vector;
    });
  }

  private async cache(): Promise<Map<string, Float32Array> | undefined> {
    if (!this.options.cacheDir) return undefined;
    if (this.disk) return this.disk;
    const map = new Map<string, Float32Array>();
    const file = await this.cacheFile();
    if (existsSync(file))
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const [key, data] = line.split('\t');
        // A line cut short by a crash is ignored: its text is embedded again.
        if (!key || !data) continue;
        const bytes = Buffer.from(data, 'base64');
        if (bytes.length % 4 === 0 && bytes.length > 0)
          map.set(key, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).slice());
      }
    this.disk = map;
    return map;
  }

  private cacheFileName: string | undefined;
  private async cacheFile(): Promise<string> {
    if (this.cacheFileName) return this.cacheFileName;
    const dir = this.options.cacheDir ?? '.';
    mkdirSync(dir, { recursive: true });
    const id = await this.id();
    this.cacheFileName = join(dir, `${createHash('sha256').update(id).digest('hex').slice(0, 16)}.tsv`);
    return this.cacheFileName;
  }

  private persist(entries: [string, Float32Array][]): void {
    if (!this.cacheFileName || !this.disk) return;
    for (const [k, v] of entries) this.disk.set(k, v);
    appendFileSync(
      this.cacheFileName,
      entries
        .map(([k, v]) => `${k}\t${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}\n`)
        .join(''),
    );
  }
}

const textKey = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** Scaled to length 1 (models that already normalise are unchanged), so a dot product is a cosine. */
export function unit(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}
