// Conflicts (D3): every request that reused a key with another payload, newest first.
import type { Metadata } from 'next';
import { Incidents } from '../../../components/incidents';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Conflicts' };

export default async function ConflictsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const staff = await requireStaff();
  return (
    <Incidents
      kind="conflicts"
      staff={staff}
      params={await searchParams}
      base="/conflicts"
      title="Conflicts"
      intro="Requests that reused an idempotency key with a different payload. They were refused; nothing ran twice. Open one to compare the payloads."
    />
  );
}
