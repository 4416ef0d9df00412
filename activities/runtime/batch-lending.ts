/**
 * Batches of one forEach step that run in the same worker lend each other their idle runners: a
 * batch whose own items have all started runs the next items of the step's busiest other batch
 * (in that batch's activity context; that batch records them), so the step's batches end together
 * instead of each one waiting alone for its last items.
 */

/** A running batch as other batches of its step see it. */
export interface LendableBatch {
  /** Items of the batch that no runner has started (0 once it stopped). */
  unstarted(): number;
  /** Starts the batch's next item and settles when it is done; false when there was none to start. */
  runNext(): Promise<boolean>;
}

const batchesByStep = new Map<string, Set<LendableBatch>>();

/** Makes a batch's items available to the other batches of its step; returns the way to withdraw it. */
export function offerBatch(stepKey: string, batch: LendableBatch): () => void {
  let batches = batchesByStep.get(stepKey);
  if (!batches) batchesByStep.set(stepKey, (batches = new Set()));
  batches.add(batch);
  return () => {
    batches.delete(batch);
    if (batches.size === 0 && batchesByStep.get(stepKey) === batches) batchesByStep.delete(stepKey);
  };
}

/**
 * Runs items of the step's other batches, the one with most items not started first, one at a time,
 * while `goOn()` allows and any has some; stops waiting for the item at hand once `stopped` settles.
 */
export async function lendRunner(stepKey: string, self: LendableBatch, goOn: () => boolean, stopped: Promise<void>): Promise<void> {
  while (goOn()) {
    let busiest: LendableBatch | undefined;
    for (const batch of batchesByStep.get(stepKey) ?? []) {
      if (batch !== self && batch.unstarted() > (busiest?.unstarted() ?? 0)) busiest = batch;
    }
    if (!busiest) return;
    await Promise.race([busiest.runNext(), stopped]);
  }
}
