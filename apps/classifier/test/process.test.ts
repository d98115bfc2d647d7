import { fileURLToPath } from 'node:url';
import { describeServiceLifecycle } from '@parley/testing';

describeServiceLifecycle('classifier', fileURLToPath(new URL('../src/main.ts', import.meta.url)));
