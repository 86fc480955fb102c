import { describeSessionStoreConformance } from '../../src/stores/conformance/index.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';

describeSessionStoreConformance('memory store', () =>
  Promise.resolve({
    sessions: new MemorySessionStore(),
    users: new MemoryUserStore(),
    close: () => Promise.resolve(),
  }),
);
