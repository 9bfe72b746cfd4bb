'use server';
// Voiding a key (D8): an admin deletes a completed or failed key, with a reason, so the customer's retry under the
// same key runs fresh (a stored 500 would otherwise replay until the key expires). Checked like every action: the
// session, its CSRF token and the admin role here, the role again in the API, which writes the audit log.
import { redirect, unstable_rethrow } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import { adminApi, apiError } from '../lib/api';
import { currentStaff, validCsrf } from '../lib/session';

export type VoidState = { status: 'idle' } | { status: 'error'; message: string };

export async function voidKey(_: VoidState, form: FormData): Promise<VoidState> {
  const staff = await currentStaff();
  if (staff === null) return { status: 'error', message: 'Your session has ended. Sign in again.' };
  if (!validCsrf(staff, form))
    return { status: 'error', message: 'This form is out of date. Reload the page and try again.' };
  if (staff.role !== 'admin')
    return {
      status: 'error',
      message: 'Only the admin role may act; you are signed in as support (read-only).',
    };
  const given = String(form.get('kind') ?? 'key');
  const kind: 'key' | 'natural' | 'unique' = given === 'natural' || given === 'unique' ? given : 'key';
  const ref = {
    scope: String(form.get('scope') ?? ''),
    procedure: String(form.get('procedure') ?? ''),
    kind,
    key: String(form.get('key') ?? ''),
  };
  const reason = String(form.get('reason') ?? '').trim();
  if (reason.length < 3)
    return { status: 'error', message: 'Say why the key is voided (at least 3 characters).' };
  const operation = form.get('operation');
  try {
    await adminApi(staff).void.mutate(
      { ...ref, reason },
      { context: typeof operation === 'string' && operation !== '' ? { idempotencyKey: operation } : {} },
    );
  } catch (error) {
    unstable_rethrow(error);
    return { status: 'error', message: apiError(error).message };
  }
  revalidatePath('/', 'layout');
  // The record is gone; its story (every event) stays, told by the key's identity.
  const story = new URLSearchParams({ ...ref, voided: '1' });
  redirect(`/keys/lookup?${story.toString()}`);
}
