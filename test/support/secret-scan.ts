import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Leak {
  kind: string;
  file: string;
  line: number;
}

/** Every place in `dir`'s *.log files where a secret of secrets.jsonl appears; reports kinds and places, not values. */
export function findLeaks(dir: string): { secrets: number; files: number; leaks: Leak[] } {
  const secretsFile = join(dir, 'secrets.jsonl');
  const secrets = existsSync(secretsFile)
    ? [
        ...new Map(
          readFileSync(secretsFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { kind: string; value: string })
            .map((s) => [s.value, s] as const),
        ).values(),
      ]
    : [];
  const logs = readdirSync(dir).filter((f) => f.endsWith('.log'));
  const leaks: Leak[] = [];
  for (const file of logs) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const secret of secrets)
        if (text.includes(secret.value)) leaks.push({ kind: secret.kind, file, line: i + 1 });
    });
  }
  return { secrets: secrets.length, files: logs.length, leaks };
}
