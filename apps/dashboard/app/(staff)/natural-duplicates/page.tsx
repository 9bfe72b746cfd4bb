// Natural duplicates (D3): recognised external_ids, duplicate contacts and execution_id conflicts, newest first.
import type { Metadata } from 'next';
import { Incidents } from '../../../components/incidents';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Natural duplicates' };

export default async function NaturalDuplicatesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const staff = await requireStaff();
  return (
    <Incidents
      kind="natural"
      staff={staff}
      params={await searchParams}
      base="/natural-duplicates"
      title="Natural duplicates"
      intro="The same entity sent again under its own identity: a known external_id recognised, an execution_id with other data, or a contact whose name or email is taken under another key."
    />
  );
}
