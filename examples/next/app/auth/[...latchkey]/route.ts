// The auth routes: POST /auth/register, /auth/login, /auth/logout, GET /auth/session, ...
import { auth } from '../../../lib/latchkey';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = auth.handlers;
