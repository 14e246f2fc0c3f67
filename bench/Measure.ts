/**
 * Measuring helpers: wall and CPU time of this process, memory peaks, garbage collection, a time cap.
 */

/** Forces a full garbage collection (the bench runs with `--expose-gc`). */
export const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect === undefined) throw new Error("run the bench with node --expose-gc (npm run bench does)")
  collect()
  collect()
}

/** Wall time and this process's CPU time (user + system) of `f`, in milliseconds. */
export const timed = async <A>(
  f: () => Promise<A>
): Promise<{ readonly value: A; readonly wallMs: number; readonly cpuMs: number }> => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const value = await f()
  const wallMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 }
}

/** Peak heap (above the level before `f`, after a GC) and peak RSS while `f` runs, sampled every millisecond. */
export const peakMemory = async <A>(
  f: () => Promise<A>
): Promise<{ readonly value: A; readonly peakHeapBytes: number; readonly peakRssBytes: number }> => {
  gc()
  const before = process.memoryUsage()
  let peakHeap = before.heapUsed
  let peakRss = before.rss
  const sample = () => {
    const now = process.memoryUsage()
    if (now.heapUsed > peakHeap) peakHeap = now.heapUsed
    if (now.rss > peakRss) peakRss = now.rss
  }
  const timer = setInterval(sample, 1)
  try {
    const value = await f()
    sample()
    return { value, peakHeapBytes: peakHeap - before.heapUsed, peakRssBytes: peakRss }
  } finally {
    clearInterval(timer)
  }
}

/** Races `promise` against a cap: `undefined` when the cap was reached first. */
export const capped = async <A>(promise: Promise<A>, capMs: number): Promise<A | undefined> => {
  let timer: NodeJS.Timeout | undefined
  const cap = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), capMs)
  })
  try {
    return await Promise.race([promise, cap])
  } finally {
    clearTimeout(timer)
  }
}
