/** Writes a synthetic checkpoint folder of about `bytes` bytes: weight shards plus small config files. */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { patternStream } from '../../store/pattern-stream.js';

export async function writeCheckpoint(dir: string, bytes: number, shards = 8): Promise<void> {
  await fs.mkdir(path.join(dir, 'adapter'), { recursive: true });
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ model: 'bench', layers: 64, hidden: 5120 }));
  await fs.writeFile(path.join(dir, 'adapter', 'adapter_config.json'), JSON.stringify({ r: 4, lora_alpha: 16, lora_dropout: 0.05 }));
  await fs.writeFile(path.join(dir, 'trainer_state.json'), JSON.stringify({ global_step: 1234, rng: 'x'.repeat(4096) }));
  const shardBytes = Math.floor(bytes / shards);
  for (let i = 0; i < shards; i++) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    await pipeline(patternStream(shardBytes, 1 << 20, 1000 + i), createWriteStream(path.join(dir, name)));
  }
}
