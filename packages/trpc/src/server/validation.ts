// Whether a procedure's error is the refusal of its input by the validator (tRPC's .input()): a request that was
// invalid before anything ran. Seed 002 does not save those, seed 003 does (K8): the policy decides, so idem
// must tell them from errors the procedure itself raised.
import type { TRPCError } from '@trpc/server';

/** tRPC wraps a validator's failure (zod, valibot, any Standard Schema) as BAD_REQUEST whose cause lists issues. */
export function isInputValidationFailure(error: TRPCError): boolean {
  const cause = error.cause as { issues?: unknown } | undefined;
  return error.code === 'BAD_REQUEST' && Array.isArray(cause?.issues);
}
