import { publicUser } from 'latchkey/http';
import { withRenewal } from 'latchkey/next';

import { auth } from '../../../lib/latchkey';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  const current = await auth.requireUser(request);
  if (current instanceof Response) return current; // 401, or 503 when the store fails
  const body = { message: 'This is protected data.', user: publicUser(current.user) };
  return withRenewal(Response.json(body), current); // adds the renewed cookie when one is due
}
