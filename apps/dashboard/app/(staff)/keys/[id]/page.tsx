// A key's story by record id (the Keys page links here).
import type { Metadata } from 'next';
import { KeyStory } from '../../../../components/key-story';
import { storyOrNotFound } from '../../../../lib/api';
import { csrfToken, requireStaff } from '../../../../lib/session';

export const metadata: Metadata = { title: 'Key story' };

export default async function KeyPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const staff = await requireStaff();
  const story = await storyOrNotFound(staff, { id });
  return (
    <KeyStory
      story={story}
      staff={staff}
      csrf={csrfToken(staff)}
      path={`/keys/${encodeURIComponent(id)}`}
      params={await searchParams}
    />
  );
}
