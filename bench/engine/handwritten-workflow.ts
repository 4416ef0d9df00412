/** The baseline: the same fan-out written by hand against Temporal's API, no engine. */
import * as wf from '@temporalio/workflow';

const { noop } = wf.proxyActivities<{ noop(i: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });

export async function handwrittenFanOut(count: number, concurrency: number): Promise<number> {
  let next = 0;
  let sum = 0;
  const lane = async (): Promise<void> => {
    while (next < count) sum += await noop(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return sum;
}
