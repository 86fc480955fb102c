// An unsafe route of the application's own: proxy.ts has already checked it for CSRF.
import { withRenewal } from 'latchkey/next';

import { auth } from '../../../lib/latchkey';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  const current = await auth.requireUser(request);
  if (current instanceof Response) return current;
  const body: unknown = await request.json().catch(() => null);
  const text = (body as { text?: unknown } | null)?.text;
  if (typeof text !== 'string') {
    const error = { code: 'VALIDATION_FAILED', message: 'Send {"text": "..."}.' };
    return Response.json({ error }, { status: 400 });
  }
  const note = { text, author: current.user.email };
  return withRenewal(Response.json({ note }, { status: 201 }), current);
}
