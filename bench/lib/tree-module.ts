import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A module of the tree at `root` (this one, or BENCH_BASELINE_ROOT's), by its path in the tree:
 * for work that must be done in that tree's own schema, such as seeding a database that its
 * server will open. An older server refuses a file that a newer tree has migrated.
 */
export async function importFromTree<Module>(root: string, path: string): Promise<Module> {
  return (await import(pathToFileURL(join(root, path)).href)) as Module;
}
