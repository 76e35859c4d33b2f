import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface Gpu {
  index: number;
  name: string;
  memoryMiB: number;
}

/** GPUs as nvidia-smi reports them; none where nvidia-smi is missing or fails. */
export async function discoverGpus(): Promise<Gpu[]> {
  try {
    const { stdout } = await promisify(execFile)(
      'nvidia-smi',
      ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: 10_000 },
    );
    return stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [index, name, memory] = line.split(',').map((s) => s.trim());
        return { index: Number(index), name: name ?? 'unknown', memoryMiB: Number(memory) || 0 };
      });
  } catch {
    return [];
  }
}
