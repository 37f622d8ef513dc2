import { AppError } from './app-error';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export class ValidationFailedError extends AppError {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly errors: readonly FieldError[]) {
    super('The request is not valid', { details: { errors } });
  }
}

export class MalformedJsonError extends AppError {
  readonly code = 'MALFORMED_JSON';
  constructor() {
    super('The request body is not valid JSON');
  }
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes`, { details: { max_bytes: limitBytes } });
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'A valid bearer token is required') {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'This route needs the admin role') {
    super(message);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  constructor(message = 'Not found') {
    super(message);
  }
}

export class PreconditionFailedError extends AppError {
  readonly code = 'PRECONDITION_FAILED';
  constructor() {
    super('If-Match does not match the current ETag');
  }
}
