export { bootstrapWorkspace, BootstrapError, listObjects, type BootstrapReport } from './bootstrap.ts';
export { recordsOf, TwentyClient, type RequestOptions, type TwentyClientOptions } from './client.ts';
export { DataModelPermissionError, TwentyAuthError, TwentyRequestError, TwentyStoppedError } from './errors.ts';
export {
  channelValue,
  optionValue,
  parleySchema,
  type FieldSpec,
  type ObjectSpec,
  type WorkspaceSchema,
} from './schema.ts';
export { TWENTY_DEFAULT_RATE_LIMITS, TwentyPacer, type PacerOptions, type TwentyRateLimits } from './pacer.ts';
export { BATCH_LIMIT, TwentyTarget } from './twenty-target.ts';
export { forgetPerson, type ErasureResult, type ErasureSubject } from './erasure.ts';
