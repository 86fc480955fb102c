import { describeGuardingProxy } from '../support/guarding-proxy-suite.js';
import { findNginx, startGuardingNginx } from '../support/nginx.js';

describeGuardingProxy(
  'a real nginx guarding an application with GET /auth/verify',
  findNginx(),
  startGuardingNginx,
);
