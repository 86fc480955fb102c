// Next.js 16 runs proxy.ts (formerly middleware.ts) on the Node.js runtime before every
// matching request: here, the CSRF check of every unsafe request (403 for a cross-site one).
// Routes are guarded in their handlers (auth.requireUser), as Next.js advises.
import { auth } from './lib/latchkey';

export function proxy(request: Request): Promise<Response | undefined> {
  return auth.proxy(request);
}

export const config = {
  matcher: '/((?!_next/static|_next/image).*)',
};
