/**
 * What a training step's cache key must change with: the trainer's own code. A trained model
 * depends on trainer/**\/*.py (a new PPO loss) and on the pinned packages (trainer/requirements.txt)
 * as much as on the step's input, so both are hashed, file by file, whenever a key is computed:
 * nothing to bump by hand. Tests (trainer/tests/) do not change what is trained and are left out.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';

const PACKAGE = 'trainer';
const REQUIREMENTS = path.join(PACKAGE, 'requirements.txt');

async function sources(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'tests' && entry.name !== '__pycache__') out.push(...(await sources(root, rel)));
    } else if (entry.name.endsWith('.py')) out.push(rel);
  }
  return out;
}

/** sha256 over the trainer's sources and pinned requirements under `root` (the folder holding `trainer/`). */
export async function trainerCodeHash(root: string): Promise<string> {
  const files = [...(await sources(root, PACKAGE)), REQUIREMENTS].sort();
  const h = createHash('sha256');
  for (const rel of files) {
    const bytes = await fs.readFile(path.join(root, rel));
    h.update(`${rel.split(path.sep).join('/')}\0${bytes.length}\0`).update(bytes);
  }
  return h.digest('hex');
}
