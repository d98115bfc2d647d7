import { projectTestConfig } from '../../vitest.shared.ts';

// Test files run one after another: each registers its own appservices, and Synapse restarts to load them.
export default projectTestConfig({ fileParallelism: false });
