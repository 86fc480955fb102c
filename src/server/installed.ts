/**
 * Throws, naming the first one, unless every package in `names` can be found from Latchkey's
 * own modules. Resolves them without loading them: for the packages a server loads only when
 * first needed (the common-password list at the first registration, jose at the first DBSC
 * proof), so that one missing from an installation stops the server at start, not a user's
 * request later.
 */
export function ensureInstalled(names: readonly string[]): void {
  for (const name of names) {
    try {
      import.meta.resolve(name);
    } catch (error) {
      throw new Error(
        `latchkey: the package ${name} is not installed; reinstall Latchkey's dependencies ` +
          '(npm install)',
        { cause: error },
      );
    }
  }
}
