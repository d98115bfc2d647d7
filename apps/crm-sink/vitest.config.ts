import { projectTestConfig } from '../../vitest.shared.ts';

// One file at a time: the sink processes and the contract server are heavy for two cores.
export default projectTestConfig({ fileParallelism: false });
