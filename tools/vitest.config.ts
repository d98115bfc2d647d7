import { projectTestConfig } from '../vitest.shared.ts';

// One file at a time: the end-to-end and chaos tests each run a whole stack on two cores.
// The chaos test (test/chaos.e2e.test.ts: 2,000 messages, every part failing once; about 6 minutes) is
// part of the run; `npm run chaos -w tools` runs it alone.
export default projectTestConfig({ include: ['test/**/*.test.ts'], fileParallelism: false });
