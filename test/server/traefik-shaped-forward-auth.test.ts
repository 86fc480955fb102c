import { findCaddy, startTraefikShapedCaddy } from '../support/caddy.js';
import { describeGuardingProxy } from '../support/guarding-proxy-suite.js';

// Traefik is neither on npm nor in Debian: a real Caddy sends what its forwardAuth sends.
describeGuardingProxy(
  "a real Caddy asking GET /auth/verify as Traefik's forwardAuth does (site in X-Forwarded-Host)",
  findCaddy(),
  startTraefikShapedCaddy,
  () => ({ LATCHKEY_TRUST_FORWARDED_HOST: 'on' }),
);

describeGuardingProxy(
  'the same, with no --origin: unsafe requests are compared with the forwarded host',
  findCaddy(),
  startTraefikShapedCaddy,
  () => ({ LATCHKEY_TRUST_FORWARDED_HOST: 'on', LATCHKEY_ORIGIN: '' }),
);
