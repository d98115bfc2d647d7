import { fileURLToPath } from 'node:url';
import { describeServiceLifecycle } from '@parley/testing';

describeServiceLifecycle('ingest', fileURLToPath(new URL('../src/main.ts', import.meta.url)));
