/**
 * A benchmark's clean-up (stop its servers, remove its files), made to run once only: at the end
 * of the run, or on SIGINT or SIGTERM, after which the process exits with code 130. `announce`
 * says on standard error what a signal interrupted.
 */
export function cleanUpOnce(
  work: () => Promise<void> | void,
  options: { announce?: string } = {},
): () => Promise<void> {
  let cleaned = false;
  const cleanUp = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await work();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (options.announce !== undefined) {
        process.stderr.write(`${signal}: ${options.announce}\n`);
      }
      void cleanUp().finally(() => process.exit(130));
    });
  }
  return cleanUp;
}
