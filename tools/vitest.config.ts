import { projectTestConfig } from '../vitest.shared.ts';

// One file at a time: the end-to-end and chaos tests each run a whole stack on two cores.
// The chaos test (test/chaos.e2e.ts: 2,000 messages and every part failing once) runs on its own:
// npm run chaos -w tools. It takes longer than the test run's budget on two cores.
export default projectTestConfig({ include: ['test/**/*.test.ts'], fileParallelism: false });
