import { projectTestConfig } from '../vitest.shared.ts';

// The chaos test alone: every part of the pipeline fails once while 2,000 messages flow.
export default projectTestConfig({ include: ['test/chaos.e2e.test.ts'], fileParallelism: false });
