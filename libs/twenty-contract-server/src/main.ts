#!/usr/bin/env node
import { startContractServer } from './server.ts';

// Runs the contract server on its own, e.g. for a local stack without Twenty or for a benchmark.
const apiKey = process.env.TWENTY_CONTRACT_API_KEY;
if (apiKey === undefined || apiKey === '') {
  console.error('TWENTY_CONTRACT_API_KEY must be set (the API key clients send as Bearer token)');
  process.exit(78);
}
const server = await startContractServer(
  { apiKey, rateLimits: process.env.TWENTY_CONTRACT_RATE_LIMITS === 'off' ? null : undefined },
  { host: process.env.TWENTY_CONTRACT_HOST ?? '127.0.0.1', port: Number(process.env.TWENTY_CONTRACT_PORT ?? 3000) },
);
console.log(JSON.stringify({ msg: 'twenty contract server listening', url: server.url }));
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
