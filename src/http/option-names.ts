import { ConfigError } from '../errors.js';

/**
 * Refuses an option whose name is not in `known`. A misspelt option (`sesion`, `trustedOrigin`)
 * would otherwise be dropped without a word, leaving in place a default that may be the opposite
 * of what was meant. TypeScript catches this in an object literal, but not in JavaScript, nor in
 * an object built elsewhere and passed by name.
 *
 * @param where The path of the options object, with a final dot (`session.`), or '' at the top.
 */
export function refuseUnknownOptions(
  options: unknown,
  known: readonly string[],
  where: string,
): void {
  if (typeof options !== 'object' || options === null) return;
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const near = known.find((candidate) => nearlyEqual(name, candidate));
    const which = where === '' ? 'its options' : `the options of ${where.slice(0, -1)}`;
    throw new ConfigError(
      `${where}${name}`,
      'Latchkey has no such option' +
        (near === undefined ? '' : ` (did you mean ${where}${near}?)`) +
        `; ${which} are ${known.join(', ')}`,
    );
  }
}

/** The names of an options type, listed once and checked against the type by the compiler. */
export function optionNames<T extends object>(names: Record<keyof T, true>): readonly string[] {
  return Object.keys(names);
}

/** Equal but for case, or at most two characters added, dropped, changed or swapped. */
function nearlyEqual(typed: string, name: string): boolean {
  return editDistance(typed.toLowerCase(), name.toLowerCase()) <= 2;
}

// Optimal string alignment distance (Levenshtein with swaps of neighbours), on short names.
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const row = rows[i] ?? [];
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
  }
  return rows[a.length]?.[b.length] ?? 0;
}
