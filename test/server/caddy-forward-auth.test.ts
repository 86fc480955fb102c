import { findCaddy, startGuardingCaddy } from '../support/caddy.js';
import { describeGuardingProxy } from '../support/guarding-proxy-suite.js';

describeGuardingProxy(
  'a real Caddy guarding an application with GET /auth/verify',
  findCaddy(),
  startGuardingCaddy,
);
