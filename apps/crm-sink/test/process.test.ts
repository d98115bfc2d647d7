import { fileURLToPath } from 'node:url';
import { describeServiceLifecycle } from '@parley/testing';

describeServiceLifecycle('crm-sink', fileURLToPath(new URL('../src/main.ts', import.meta.url)));
