export {
  buildApp,
  startContractServer,
  type ContractServer,
  type ContractServerOptions,
  type Faults,
  type LoggedRequest,
} from './server.ts';
export { TWENTY_RATE_LIMITS, TwentyBucket, WorkspaceThrottle, type RateLimits } from './rate-limit.ts';
