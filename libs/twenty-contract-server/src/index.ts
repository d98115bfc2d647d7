export {
  buildApp,
  startContractServer,
  type ContractServer,
  type ContractServerOptions,
  type Faults,
  type LoggedRequest,
} from './server.ts';
export { TWENTY_RATE_LIMITS, type RateLimits } from './rate-limit.ts';
