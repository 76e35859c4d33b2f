import type { Command } from '../command.js';
import { age, shortId, table } from '../format.js';

export const workersLs: Command = {
  noun: 'workers',
  verb: 'ls',
  usage: '',
  summary: 'list workers: name, slots, GPUs, running runs, heartbeat age, draining, dead letters',
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
          { header: 'DEAD LETTERS', align: 'right' },
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
          String(worker.deadLetters.count),
        ]),
      ),
    );
    // What the orchestrator refused (a 4xx that is not a fence) is kept whole in the worker's
    // <work dir>/dead-letters.jsonl; the newest few come with its heartbeat.
    for (const worker of workers.filter((w) => w.deadLetters.count)) {
      out(`\n${worker.name}: ${worker.deadLetters.count} dead letter(s) in its work dir's dead-letters.jsonl; newest:`);
      for (const letter of worker.deadLetters.recent.slice(-5)) {
        out(
          `  ${letter.at}  run ${shortId(letter.runId)} attempt ${letter.attempt}  ${letter.kind}  HTTP ${letter.status}: ${letter.message}`,
        );
      }
    }
    return 0;
  },
};
