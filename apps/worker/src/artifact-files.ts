import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RegisterArtifactRequest } from '@reslab/contracts';

/** What the engine's checkpoint holds (libs/engine checkpoint.py): weights and the rest of the training state. */
export const CHECKPOINT_FILES = ['model.safetensors', 'state.pt'] as const;

export const artifactKind = (name: string): RegisterArtifactRequest['kind'] =>
  name === 'model.safetensors' ? 'weights' : 'checkpoint';

/** Hex SHA-256 of a file, read as a stream. */
export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Registration requests for the checkpoint files now in `runDir`, with paths relative to the store's root. */
export async function checkpointArtifacts(
  storeRoot: string,
  runDir: string,
  writer: { workerId: string; attempt: number },
): Promise<RegisterArtifactRequest[]> {
  const requests: RegisterArtifactRequest[] = [];
  for (const name of CHECKPOINT_FILES) {
    const path = join(runDir, name);
    if (!existsSync(path)) continue;
    requests.push({
      ...writer,
      kind: artifactKind(name),
      path: relative(storeRoot, path),
      sizeBytes: statSync(path).size,
      sha256: await sha256(path),
    });
  }
  return requests;
}
