// The API's one error class: a stable code, the HTTP status it answers with, and JSON-safe details.
// Procedures throw it wrapped in a TRPCError (fail()); the error formatter and the REST door read it.
import { TRPCError } from '@trpc/server';
import { trpcCodeFor } from '@idem/trpc';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * The error a procedure throws: a TRPCError with the closest tRPC code whose cause carries the exact status.
 *
 * @example
 * throw fail(404, 'workflow_not_found', `No workflow named "${name}".`);
 */
export function fail(
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): TRPCError {
  return new TRPCError({
    code: trpcCodeFor(status),
    message,
    cause: new ApiError(status, code, message, details),
  });
}
