import { projectTestConfig } from '../vitest.shared.ts';

// One file at a time: the end-to-end and chaos tests each run a whole stack on two cores.
export default projectTestConfig({ include: ['test/**/*.test.ts'], fileParallelism: false });
