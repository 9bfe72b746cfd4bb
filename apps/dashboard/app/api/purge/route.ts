// Progress of a purge, polled by the Actions page while it runs. Reads only; needs a session.
import { adminApi, apiError } from '../../../lib/api';
import { currentStaff } from '../../../lib/session';

export async function GET(request: Request): Promise<Response> {
  const staff = await currentStaff();
  if (staff === null) return Response.json({ error: 'Sign in first.' }, { status: 401 });
  const id = new URL(request.url).searchParams.get('id') ?? undefined;
  try {
    const job = await adminApi(staff).purge.status.query(id === undefined ? {} : { id });
    return Response.json({ job }, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    const { message } = apiError(error);
    return Response.json({ error: message }, { status: 502 });
  }
}
