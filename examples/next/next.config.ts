// Next.js reads this file. Its type (NextConfig, from 'next') is left out on purpose: importing
// it would redeclare process.env for the repository's whole TypeScript project.
const config = {
  // Latchkey runs on Node.js (SQLite, Argon2id): load it with Node's own loader rather than
  // bundle it, as Next.js already does for better-sqlite3 and @node-rs/argon2.
  serverExternalPackages: ['latchkey'],
  poweredByHeader: false,
  // `next dev` would otherwise write an AGENTS.md into this folder.
  agentRules: false,
  experimental: { agentUpgrade: false },
};

export default config;
