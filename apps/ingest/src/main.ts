#!/usr/bin/env node
import { startService } from '@parley/service-runtime';
import { ingestService } from './service.ts';

await startService(ingestService);
