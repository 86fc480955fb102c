export { createServerApp } from './app.js';
export { resolveServerConfig } from './config.js';
export type { ConfigSources, ServerConfig } from './config.js';
export { createJsonLogger } from './logger.js';
export type { JsonLoggerOptions } from './logger.js';
export { DATABASE_FILE, startServer } from './serve.js';
export type { RunningServer, StartServerOptions } from './serve.js';
export { SECRETS_FILE, loadOrCreateSecrets } from './secrets.js';
