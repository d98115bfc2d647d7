import { describe, expect, it } from 'vitest';
import { DEFAULT_TEST_MODEL, startOllama } from '../src/index.ts';

describe('real Ollama (smoke)', () => {
  it('answers a chat request with JSON that satisfies the requested schema', async () => {
    const ollama = await startOllama();
    expect(ollama.models).toContain(DEFAULT_TEST_MODEL);
    const client = ollama.client();
    const { version } = await client.version();
    expect(version).toMatch(/^0\.24\./);

    const sentiments = ['negative', 'neutral', 'positive'] as const;
    const response = await client.chat({
      model: DEFAULT_TEST_MODEL,
      stream: false,
      messages: [
        { role: 'system', content: 'Label the sentiment of the message. Answer in JSON.' },
        { role: 'user', content: 'Thank you so much, the delivery was fast and everything works!' },
      ],
      format: {
        type: 'object',
        properties: { sentiment: { type: 'string', enum: sentiments } },
        required: ['sentiment'],
      },
      options: { temperature: 0, seed: 7, num_predict: 48 },
      keep_alive: '10m',
    });
    expect(response.done).toBe(true);
    const reply = JSON.parse(response.message.content) as { sentiment?: unknown };
    expect(sentiments).toContain(reply.sentiment);
    expect(response.eval_count).toBeGreaterThan(0);
  });
});
