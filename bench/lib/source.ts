import { execFileSync } from 'node:child_process';

/** The commit checked out, and whether src/ (from which dist/ is built) differs from it. */
export interface SourceState {
  commit: string;
  srcModified: boolean;
}

/**
 * The source a run measured, read from git in `root`. Take it before the run: src/ may change
 * while it lasts, and dist/ was built before it began. Outside a git checkout (a tree exported
 * with `git archive`, to measure a commit while src/ is being edited elsewhere) it is
 * `BENCH_SOURCE_COMMIT` when set, taken as unmodified, else null.
 */
export function describeSource(root: string): SourceState | null {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    return {
      commit: git('rev-parse', 'HEAD').trim(),
      srcModified: git('status', '--porcelain', '--', 'src').trim() !== '',
    };
  } catch {
    const commit = process.env.BENCH_SOURCE_COMMIT;
    return commit === undefined || commit === '' ? null : { commit, srcModified: false };
  }
}
