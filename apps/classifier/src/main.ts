#!/usr/bin/env node
import { startService } from '@parley/service-runtime';
import { classifierService } from './service.ts';

await startService(classifierService);
