// A key's story by record id (the Keys page links here).
import type { Metadata } from 'next';
import { cache } from 'react';
import { KeyStory } from '../../../../components/key-story';
import { storyOrNotFound } from '../../../../lib/api';
import { csrfToken, requireStaff } from '../../../../lib/session';

// One fetch per render for the title and the page.
const load = cache(async (id: string) => storyOrNotFound(await requireStaff(), { id }));

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Key ${(await load((await params).id)).key}` };
}

export default async function KeyPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const staff = await requireStaff();
  const story = await load(id);
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
