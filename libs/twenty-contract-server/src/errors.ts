/**
 * An error answered in the body shape real Twenty (v2.21) uses for it. Records API errors are
 * `{statusCode, error, messages}`; a `code` is there only where Twenty sets one (phone conflicts,
 * permissions), never on duplicates, upsert conflicts or 429s.
 */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly statusCode: number;
  readonly code: string | undefined;
  /** Twenty's `error` field: the exception's class name, or a code-like word. */
  readonly errorName: string;

  constructor(statusCode: number, message: string, options: { code?: string; error?: string } = {}) {
    super(message);
    this.statusCode = statusCode;
    this.code = options.code;
    this.errorName = options.error ?? EXCEPTION_NAMES[statusCode] ?? 'InternalServerErrorException';
  }

  get body(): Record<string, unknown> {
    return {
      statusCode: this.statusCode,
      error: this.errorName,
      messages: [this.message],
      ...(this.code === undefined ? {} : { code: this.code }),
    };
  }
}

/** Authentication errors put `messages` before `error` and carry a code-like `error` word. */
export class AuthError extends ContractError {
  constructor(statusCode: 401 | 403, message: string, error: 'UNAUTHENTICATED' | 'FORBIDDEN_EXCEPTION') {
    super(statusCode, message, { error });
  }

  override get body(): Record<string, unknown> {
    return { statusCode: this.statusCode, messages: [this.message], error: this.errorName };
  }
}

/** The metadata API's validation error: `{statusCode, error: METADATA_VALIDATION_ERROR, message, errors}`. */
export class MetadataValidationError extends ContractError {
  readonly errors: Record<string, unknown>;

  constructor(message: string, metadataName: string, code: string, detail: string, value?: unknown) {
    super(400, message, { error: 'METADATA_VALIDATION_ERROR' });
    this.errors = {
      [metadataName]: [
        {
          status: 'fail',
          errors: [{ code, message: detail, userFriendlyMessage: detail, ...(value === undefined ? {} : { value }) }],
          metadataName,
          type: 'create',
        },
      ],
    };
  }

  override get body(): Record<string, unknown> {
    return {
      statusCode: this.statusCode,
      error: this.errorName,
      message: this.message,
      errors: this.errors,
      summary: { totalErrors: 1, ...Object.fromEntries(Object.keys(this.errors).map((kind) => [kind, 1])) },
      userFriendlyMessage: 'Many validation errors',
    };
  }
}

const EXCEPTION_NAMES: Record<number, string> = {
  400: 'BadRequestException',
  401: 'UnauthorizedException',
  403: 'ForbiddenException',
  404: 'NotFoundException',
  429: 'HttpException',
  500: 'InternalServerErrorException',
  502: 'BadGatewayException',
  503: 'ServiceUnavailableException',
};

export const badRequest = (message: string, options: { code?: string; error?: string } = {}) =>
  new ContractError(400, message, options);

/** Twenty's answer to a unique value held twice, with or without upsert: no code. */
export const duplicateEntry = () => badRequest('A duplicate entry was detected');

/** What a key without the data-model permission gets from every metadata route. */
export const permissionDenied = () =>
  new ContractError(403, 'Entity performing the request does not have permission', {
    error: 'Error',
    code: 'PERMISSION_DENIED',
  });
