export { createServerApp } from './app.js';
export { resolveServerConfig } from './config.js';
export type { ConfigSources, ServerConfig } from './config.js';
export { createJsonLogger } from './logger.js';
export type { JsonLoggerOptions } from './logger.js';
export { DATABASE_FILE, startServer } from './serve.js';
export type { RunningServer, ServedCertificate, StartServerOptions } from './serve.js';
export {
  DEV_CERT_FILE,
  DEV_CERT_MAX_DAYS,
  DEV_CERT_RENEW_DAYS,
  DEV_KEY_FILE,
  createDevCertificate,
  loadOrCreateDevCertificate,
  spkiHash,
} from './dev-cert.js';
export type { DevCertificate, DevCertificateOptions, KeptDevCertificate } from './dev-cert.js';
export { loadTlsCredentials } from './tls.js';
export type { TlsCredentials } from './tls.js';
export { SECRETS_FILE, loadOrCreateSecrets } from './secrets.js';
