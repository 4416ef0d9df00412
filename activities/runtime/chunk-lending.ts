/**
 * Chunks of one forEach step that run in the same worker lend each other their idle runners: a
 * chunk whose own items have all started runs the next items of the step's busiest other chunk
 * (in that chunk's activity context; that chunk records them), so the step's lanes end together
 * instead of each one waiting alone for its last items.
 */

/** A running chunk as other chunks of its step see it. */
export interface LendableChunk {
  /** Items of the chunk that no runner has started (0 once it stopped). */
  unstarted(): number;
  /** Starts the chunk's next item and settles when it is done; false when there was none to start. */
  runNext(): Promise<boolean>;
}

const chunksByStep = new Map<string, Set<LendableChunk>>();

/** Makes a chunk's items available to the other chunks of its step; returns the way to withdraw it. */
export function offerChunk(stepKey: string, chunk: LendableChunk): () => void {
  let chunks = chunksByStep.get(stepKey);
  if (!chunks) chunksByStep.set(stepKey, (chunks = new Set()));
  chunks.add(chunk);
  return () => {
    chunks.delete(chunk);
    if (chunks.size === 0 && chunksByStep.get(stepKey) === chunks) chunksByStep.delete(stepKey);
  };
}

/**
 * Runs items of the step's other chunks, the one with most items not started first, one at a time,
 * while `goOn()` allows and any has some; stops waiting for the item at hand once `stopped` settles.
 */
export async function lendRunner(stepKey: string, self: LendableChunk, goOn: () => boolean, stopped: Promise<void>): Promise<void> {
  while (goOn()) {
    let busiest: LendableChunk | undefined;
    for (const chunk of chunksByStep.get(stepKey) ?? []) {
      if (chunk !== self && chunk.unstarted() > (busiest?.unstarted() ?? 0)) busiest = chunk;
    }
    if (!busiest) return;
    await Promise.race([busiest.runNext(), stopped]);
  }
}
