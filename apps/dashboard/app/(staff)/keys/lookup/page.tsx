// A key's story by identity (caller, procedure, key): for events whose key record is gone or was never
// named, e.g. a natural duplicate refused before it ran.
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { KeyStory } from '../../../../components/key-story';
import { storyOrNotFound } from '../../../../lib/api';
import { csrfToken, requireStaff } from '../../../../lib/session';

export async function generateMetadata({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<Metadata> {
  const key = (await searchParams).key;
  return { title: typeof key === 'string' ? `Key ${key}` : 'Key story' };
}

export default async function KeyLookupPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const text = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);
  const [scope, procedure, key] = [text(params.scope), text(params.procedure), text(params.key)];
  const given = text(params.kind);
  const kind = given === 'natural' || given === 'unique' ? given : 'key';
  const staff = await requireStaff();
  if (!scope || !procedure || !key) notFound();
  const story = await storyOrNotFound(staff, { scope, procedure, kind, key });
  return (
    <KeyStory
      story={story}
      staff={staff}
      csrf={csrfToken(staff)}
      path={`/keys/lookup?${new URLSearchParams({ scope, procedure, kind, key }).toString()}`}
      params={params}
    />
  );
}
