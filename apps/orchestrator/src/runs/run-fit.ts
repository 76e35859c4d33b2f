import type { RunConfig } from '@reslab/contracts';

/**
 * Why no worker seen could ever hold a run of these `resources`, given the slots of every registered, unrevoked
 * worker that serves its team (its own and shared ones); null when one could. Nothing is refused before any worker
 * has registered: a lab queues its first runs, then starts its workers, and the largest machine is not known yet.
 */
export function resourcesRefusal(
  resources: RunConfig['resources'][],
  workerSlots: number[],
): { path: string; message: string } | null {
  if (!workerSlots.length) return null;
  const largest = Math.max(...workerSlots);
  for (const { gpus, nodes } of resources) {
    if (gpus > largest) {
      return {
        path: 'config.resources.gpus',
        message: `asks for ${gpus} GPUs (slots) on one node; the largest worker seen for this team has ${largest} slots`,
      };
    }
    const large = workerSlots.filter((slots) => slots >= gpus).length;
    if (nodes > large) {
      return {
        path: 'config.resources.nodes',
        message: `asks for ${nodes} nodes of ${gpus} GPUs (slots); ${large} worker(s) seen for this team have that many (the largest has ${largest} slots)`,
      };
    }
  }
  return null;
}
