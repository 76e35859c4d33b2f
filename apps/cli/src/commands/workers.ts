import type { Command } from '../command.js';
import { age, shortId, table } from '../format.js';

export const workersLs: Command = {
  noun: 'workers',
  verb: 'ls',
  usage: '',
  summary: 'list workers: name, slots, GPUs, running runs, heartbeat age, draining',
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ api, out }) {
    const workers = await api.listWorkers();
    const now = Date.now();
    out(
      table(
        [
          { header: 'NAME' },
          { header: 'HOST' },
          { header: 'SLOTS', align: 'right' },
          { header: 'GPUS' },
          { header: 'RUNNING' },
          { header: 'HEARTBEAT', align: 'right' },
          { header: 'DRAINING' },
        ],
        workers.map((worker) => [
          worker.name,
          worker.host,
          String(worker.slots),
          worker.gpus.length ? worker.gpus.map((gpu) => `${gpu.index}:${gpu.name}`).join(', ') : '-',
          worker.runningRunIds.length
            ? `${worker.runningRunIds.length} (${worker.runningRunIds.map(shortId).join(' ')})`
            : '0',
          `${age(worker.lastHeartbeatAt, now)} ago`,
          worker.draining ? 'yes' : 'no',
        ]),
      ),
    );
    return 0;
  },
};
