#!/usr/bin/env node
import { startService } from '@parley/service-runtime';
import { crmSinkService } from './service.ts';

await startService(crmSinkService);
