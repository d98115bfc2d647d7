import { projectTestConfig } from '../../vitest.shared.ts';

// One file at a time: a test stops and restarts the shared Ollama.
export default projectTestConfig({ fileParallelism: false });
