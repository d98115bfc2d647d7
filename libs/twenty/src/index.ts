export { bootstrapWorkspace, BootstrapError, type BootstrapReport } from './bootstrap.ts';
export { dataOf, recordsOf, TwentyClient, type RequestOptions, type TwentyClientOptions } from './client.ts';
export { TwentyAuthError, TwentyRequestError, TwentyStoppedError } from './errors.ts';
export {
  channelValue,
  optionValue,
  parleySchema,
  type FieldSpec,
  type ObjectSpec,
  type WorkspaceSchema,
} from './schema.ts';
export { TokenBucket } from './token-bucket.ts';
export { BATCH_LIMIT, TwentyTarget } from './twenty-target.ts';
