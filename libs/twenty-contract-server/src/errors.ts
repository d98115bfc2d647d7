/** An error answered in Twenty's REST error shape: {statusCode, error, messages, code?}. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly statusCode: number;
  readonly code: string | undefined;

  constructor(statusCode: number, message: string, code?: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }

  get body(): { statusCode: number; error: string; messages: string[]; code?: string } {
    return {
      statusCode: this.statusCode,
      error: EXCEPTION_NAMES[this.statusCode] ?? 'InternalServerErrorException',
      messages: [this.message],
      ...(this.code === undefined ? {} : { code: this.code }),
    };
  }
}

const EXCEPTION_NAMES: Record<number, string> = {
  400: 'BadRequestException',
  401: 'UnauthorizedException',
  403: 'ForbiddenException',
  404: 'NotFoundException',
  429: 'TooManyRequestsException',
  500: 'InternalServerErrorException',
  502: 'BadGatewayException',
  503: 'ServiceUnavailableException',
};

export const badRequest = (message: string, code?: string) => new ContractError(400, message, code);
