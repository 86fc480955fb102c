/** One response's worth of Set-Cookie lines, all for one host. */
export interface Batch<T> {
  host: string;
  items: T[];
}

// Chromium keeps at most 180 cookies per domain and reads at most 256 KiB of response headers;
// partitioned cookies share 10 KiB per partition. These bounds stay well inside all three.
const MAX_COOKIES = 40;
const MAX_BYTES = 64 * 1024;
const MAX_PARTITIONED_BYTES = 6 * 1024;

/**
 * Packs items into as few responses as the bounds above allow, keeping their order within each
 * host. `line` is the Set-Cookie line an item sends; `partitioned` says whether it is one.
 */
export function packBatches<T extends { host: string }>(
  items: readonly T[],
  line: (item: T) => string,
  partitioned: (item: T) => boolean,
): Batch<T>[] {
  const batches: Batch<T>[] = [];
  const open = new Map<string, { batch: Batch<T>; bytes: number; partitionedBytes: number }>();
  for (const item of items) {
    const bytes = Buffer.byteLength(line(item));
    const partitionedBytes = partitioned(item) ? bytes : 0;
    let current = open.get(item.host);
    if (
      current === undefined ||
      current.batch.items.length === MAX_COOKIES ||
      current.bytes + bytes > MAX_BYTES ||
      current.partitionedBytes + partitionedBytes > MAX_PARTITIONED_BYTES
    ) {
      current = { batch: { host: item.host, items: [] }, bytes: 0, partitionedBytes: 0 };
      open.set(item.host, current);
      batches.push(current.batch);
    }
    current.batch.items.push(item);
    current.bytes += bytes;
    current.partitionedBytes += partitionedBytes;
  }
  return batches;
}
