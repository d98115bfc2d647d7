import { CredentialsRejectedError } from '@parley/crm';

/** Twenty answered with an error that retrying will not fix. */
export class TwentyRequestError extends Error {
  override readonly name: string = 'TwentyRequestError';
  readonly status: number;
  readonly code: string | undefined;
  readonly messages: readonly string[];
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, status: number, messages: readonly string[], code?: string) {
    super(`Twenty ${method} ${path} answered ${status}${code ? ` ${code}` : ''}: ${messages.join('; ')}`);
    this.method = method;
    this.path = path;
    this.status = status;
    this.messages = messages;
    this.code = code;
  }

  /** An upsert matched several records, or a unique value belongs to another record: reconcile. */
  get isConflict(): boolean {
    return (
      this.status === 400 &&
      (this.code === 'UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT' ||
        this.code === 'DUPLICATE_ENTRY' ||
        /duplicate|multiple records|already exists/i.test(this.messages.join(' ')))
    );
  }
}

/** 401 or 403: the API key is wrong, expired or lacks a permission. Writing must stop until it is fixed. */
export class TwentyAuthError extends CredentialsRejectedError {
  override readonly name = 'TwentyAuthError';
  readonly status: number;
  readonly path: string;

  constructor(method: string, path: string, status: number, messages: readonly string[]) {
    super(`Twenty ${method} ${path} answered ${status}: ${messages.join('; ')}`);
    this.status = status;
    this.path = path;
  }
}

/** The caller stopped (shutdown) while a request was waiting for a token or a retry. */
export class TwentyStoppedError extends Error {
  override readonly name = 'TwentyStoppedError';
}
