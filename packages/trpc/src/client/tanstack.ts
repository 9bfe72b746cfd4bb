// @idem/trpc/tanstack: one idempotency key per mutate() call, kept across TanStack Query's retries (C1).
//
// TanStack Query's `retry` calls the mutation function again, and each call would reach idem's link as a new
// operation with a new key: a retried mutation could run twice. TanStack Query (>= 5.89) builds one context object
// per mutate() and passes that same object to every attempt, so a key kept against it (a WeakMap, collected with
// the mutation) is minted on the first attempt and reused by every retry. Nothing here imports TanStack Query.
import { type IdempotencyCallContext, mintKey } from './link.ts';

/** TanStack Query's per-mutate() `MutationFunctionContext` (any object will do). */
export type MutationContext = object;

/** A TanStack mutation function: variables and the per-mutate() context in, a promise out. */
export type MutationFn<TData, TVariables> = (
  variables: TVariables,
  context: MutationContext,
) => Promise<TData>;

export interface MutationKeyOptions<TVariables> {
  /** Build the key from stable facts of the variables (seed 001) instead of minting a UUIDv7 per mutate(). */
  idempotencyKey?: (variables: TVariables) => string | undefined;
}

const keys = new WeakMap<object, string>();

/**
 * The key of the mutate() call `context` belongs to, for logs: works in the options' and the MutationCache's
 * onSuccess/onError/onSettled (they get the same object); undefined before the first attempt.
 */
export function idempotencyKeyOf(context: MutationContext): string | undefined {
  return keys.get(context);
}

function keyFor<TVariables>(
  variables: TVariables,
  context: unknown,
  options: MutationKeyOptions<TVariables> = {},
): string {
  if (typeof context !== 'object' || context === null) {
    // Before 5.89 TanStack Query calls mutationFn(variables) only: a key minted here would be a new one per retry,
    // the very bug this exists to prevent.
    throw new Error(
      '[idem] the mutation function got no context: @tanstack/query-core 5.89 or newer is required',
    );
  }
  let key = keys.get(context);
  if (key === undefined) {
    key = options.idempotencyKey?.(variables) ?? mintKey();
    keys.set(context, key);
  }
  return key;
}

/**
 * A mutation function for any tRPC client call: `fn` gets request options carrying this mutate() call's key.
 * For @trpc/react-query (whose useMutation owns its mutation function) and the vanilla client.
 *
 * @example
 * useMutation({
 *   retry: 3,
 *   mutationFn: withIdempotencyKey((input: NoteInput, opts) => client.notes.create.mutate(input, opts)),
 * });
 */
export function withIdempotencyKey<TData, TVariables>(
  fn: (
    variables: TVariables,
    opts: { context: IdempotencyCallContext },
    context: MutationContext,
  ) => Promise<TData>,
  options?: MutationKeyOptions<TVariables>,
): MutationFn<TData, TVariables> {
  return (variables, context) =>
    fn(variables, { context: { idempotencyKey: keyFor(variables, context, options) } }, context);
}

/** The part of a @trpc/tanstack-react-query procedure (`trpc.notes.create`) this needs. */
export interface MutationProcedureLike {
  // biome-ignore lint/suspicious/noExplicitAny: tRPC's own options and result types pass through untouched
  mutationOptions: (opts?: any) => { mutationFn?: (variables: any, context: any) => Promise<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * `trpc.x.mutationOptions(opts)`, every attempt of which carries the key of its mutate() call. Public API only:
 * each attempt builds tRPC's options again with the key in `trpc.context` and runs their mutation function.
 *
 * @example
 * const trpc = useTRPC();
 * const create = useMutation(idempotentMutationOptions(trpc.notes.create, { retry: 3 }));
 */
export function idempotentMutationOptions<P extends MutationProcedureLike>(
  procedure: P,
  opts?: Parameters<P['mutationOptions']>[0],
  options?: MutationKeyOptions<unknown>,
): ReturnType<P['mutationOptions']> {
  const base = procedure.mutationOptions(opts);
  return {
    ...base,
    mutationFn: (variables: unknown, context: MutationContext) => {
      const idempotencyKey = keyFor(variables, context, options);
      const attempt = procedure.mutationOptions({
        ...opts,
        trpc: { ...opts?.trpc, context: { ...opts?.trpc?.context, idempotencyKey } },
      });
      return attempt.mutationFn!(variables, context);
    },
  } as ReturnType<P['mutationOptions']>;
}
