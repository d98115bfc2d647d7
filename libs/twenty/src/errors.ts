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

  private get text(): string {
    return this.messages.join(' ');
  }

  /**
   * A unique value belongs to another record, or an upsert matched two records: reconcile one by one.
   * Twenty v2.21 sends no `code` for either ("A duplicate entry was detected", "Multiple records found
   * with the same unique field values … Cannot determine which record to update."); older and newer
   * builds may, so codes count too.
   */
  get isConflict(): boolean {
    return (
      this.status === 400 &&
      (this.code === 'UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT' ||
        this.code === 'DUPLICATE_ENTRY' ||
        /duplicate entry|multiple records found|already exists/i.test(this.text))
    );
  }

  /**
   * The workspace lacks part of Parley's schema: a select option (a new intent) or a field. Not the
   * record's fault: the records wait until the schema is there rather than being refused.
   */
  get schemaGap(): { field: string; kind: 'option' | 'field' } | undefined {
    if (this.status !== 400) return undefined;
    const option = /Invalid value "[^"]*" for field "(\w+)"\. Valid values are/.exec(this.text);
    if (option?.[1]) return { field: option[1], kind: 'option' };
    const field = /doesn't have any "(\w+)" field/.exec(this.text);
    if (field?.[1]) return { field: field[1], kind: 'field' };
    return undefined;
  }
}

/** 401 or 403: the API key is wrong, expired or lacks a permission. Writing must stop until it is fixed. */
export class TwentyAuthError extends CredentialsRejectedError {
  override readonly name: string = 'TwentyAuthError';
  readonly status: number;
  readonly path: string;
  readonly method: string;
  readonly code: string | undefined;

  constructor(method: string, path: string, status: number, messages: readonly string[], code?: string) {
    super(`Twenty ${method} ${path} answered ${status}${code ? ` ${code}` : ''}: ${messages.join('; ')}`);
    this.status = status;
    this.path = path;
    this.method = method;
    this.code = code;
  }

  /** 403 PERMISSION_DENIED: the key is valid but its role lacks a permission. */
  get isPermissionDenied(): boolean {
    return this.status === 403 && (this.code === 'PERMISSION_DENIED' || /does not have permission/i.test(this.message));
  }
}

/**
 * The API key's role may not read or change the data model (Settings → Roles → Data model), which
 * every metadata route needs, reads included. Records can still be written where the schema is in place.
 */
export class DataModelPermissionError extends CredentialsRejectedError {
  override readonly name = 'DataModelPermissionError';
  readonly call: string;

  constructor(call: string, cause: TwentyAuthError) {
    super(
      `the Twenty API key's role lacks the Data model permission (Settings → Roles → Data model), which ${call} needs: it answered 403 ${cause.code ?? 'PERMISSION_DENIED'}`,
      { cause },
    );
    this.call = call;
  }
}

/** The caller stopped (shutdown) while a request was waiting for a token or a retry. */
export class TwentyStoppedError extends Error {
  override readonly name = 'TwentyStoppedError';
}
