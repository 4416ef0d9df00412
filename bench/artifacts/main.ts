/**
 * Artifact store benchmark (`make bench-artifacts`): a checkpoint folder (2 GiB by default,
 * BENCH_ARTIFACTS_GIB to change) is uploaded to and downloaded from MinIO with parallel multipart
 * uploads and with a single stream (one part at a time), the put alone is timed the same way on
 * one stream of the same size, and the folder is stored in / restored from the local store next to
 * a plain `cp -r`. Prints throughputs and ratios; the last line is the summary (the put ratio, and
 * the worse of the local store's put and get against the copy).
 * Goals: multipart >= 2x single-stream; the local store within 1.3x of a plain copy.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { getDirectory, putDirectory } from '../../store/directory.js';
import { LocalStore } from '../../store/local.js';
import { createS3Client } from '../../store/s3-client.js';
import { S3Store } from '../../store/s3.js';
import { startMinio } from '../../test/helpers/services/minio.js';
import { hashStream, patternStream } from '../../test/store/contract.js';
import { writeCheckpoint } from './checkpoint.js';

const run = promisify(execFile);
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const bytes = Math.round(Number(process.env.BENCH_ARTIFACTS_GIB ?? '2') * GiB);
const queueSize = Number(process.env.BENCH_ARTIFACTS_PARALLEL ?? '4');
const partSize = Number(process.env.BENCH_ARTIFACTS_PART_MIB ?? '32') * MiB;

/** Each measurement starts with no dirty pages, so no step pays for an earlier step's writeback. */
async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  await run('sync');
  const start = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}

const rate = (s: number) => `${(bytes / MiB / s).toFixed(0)} MiB/s`;
const line = (label: string, s: number) => console.log(`  ${label.padEnd(44)} ${s.toFixed(2).padStart(7)} s  ${rate(s).padStart(10)}`);

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-bench-artifacts-'));
  const src = path.join(work, 'checkpoint');
  console.log(`bench artifacts: ${(bytes / GiB).toFixed(2)} GiB checkpoint folder, ${queueSize} parts in parallel of ${partSize / MiB} MiB, ${os.cpus().length} CPUs`);
  await writeCheckpoint(src, bytes);
  const server = await startMinio({ dataDir: path.join(work, 'minio') });
  try {
    await server.createBucket('bench');
    const client = createS3Client({ endpoint: server.endpoint, credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey } });
    const restore = (name: string) => path.join(work, name);
    const drop = (name: string) => fs.rm(path.join(work, name), { recursive: true, force: true });

    console.log('S3 (MinIO on loopback):');
    const multi = new S3Store({ client, bucket: 'bench', prefix: 'multipart', partSize, queueSize });
    const up = await timed(() => putDirectory(multi, src));
    line(`upload, multipart (${queueSize} parts at once)`, up.seconds);
    const down = await timed(() => getDirectory(multi, up.value.ref, restore('from-s3')));
    line('download (verified)', down.seconds);
    await drop('from-s3');
    const single = new S3Store({ client, bucket: 'bench', prefix: 'single', partSize, queueSize: 1 });
    const upSingle = await timed(() => putDirectory(single, src));
    line('upload, single stream (one part at a time)', upSingle.seconds);
    if (upSingle.value.ref.sha256 !== up.value.ref.sha256) throw new Error('the two uploads produced different artifacts');
    const dirRatio = upSingle.seconds / up.seconds;
    console.log(`  directory upload, multipart speed-up over single stream: ${dirRatio.toFixed(2)}x`);
    // The put alone: the same bytes as one stream of known hash, without the folder's hashing pass.
    const { sha256 } = await hashStream(patternStream(bytes, 1 << 20, 99));
    // Single stream first here (the directory uploads went multipart first), so neither gets the fresher disk.
    const putSingle = await timed(() => new S3Store({ client, bucket: 'bench', prefix: 'put-single', partSize, queueSize: 1 }).putContent(patternStream(bytes, 1 << 20, 99), { sha256 }));
    line(`put of one ${(bytes / GiB).toFixed(2)} GiB stream, single stream`, putSingle.seconds);
    const putMulti = await timed(() => new S3Store({ client, bucket: 'bench', prefix: 'put-multipart', partSize, queueSize }).putContent(patternStream(bytes, 1 << 20, 99), { sha256 }));
    line(`put of one ${(bytes / GiB).toFixed(2)} GiB stream, multipart`, putMulti.seconds);
    const s3Ratio = putSingle.seconds / putMulti.seconds;
    console.log(`  put, multipart speed-up over single stream: ${s3Ratio.toFixed(2)}x`);
    client.destroy();
    await server.stop();
    await fs.rm(path.join(work, 'minio'), { recursive: true, force: true });

    console.log('Local store vs plain copy (each next to a fresh cp -r: this disk slows down as it fills its write cache):');
    const plainCopy = async () => {
      const c = await timed(() => run('cp', ['-r', src, restore('plain-copy')]));
      line('plain copy (cp -r)', c.seconds);
      await drop('plain-copy');
      return c.seconds;
    };
    const local = new LocalStore(path.join(work, 'store'));
    const copyBeforePut = await plainCopy();
    const put = await timed(() => putDirectory(local, src));
    line(`local store: put directory (${put.value.manifest.layout} layout)`, put.seconds);
    const copyBeforeGet = await plainCopy();
    const get = await timed(() => getDirectory(local, put.value.ref, restore('from-local')));
    line('local store: get directory (verified)', get.seconds);
    await drop('from-local');
    const localTar = new LocalStore(path.join(work, 'store-tar'));
    const putTar = await timed(() => putDirectory(localTar, src, {}, { layout: 'tar', hashFirst: false }));
    line('local store, tar layout: put directory', putTar.seconds);
    const getTar = await timed(() => getDirectory(localTar, putTar.value.ref, restore('from-local-tar')));
    line('local store, tar layout: get directory', getTar.seconds);
    await drop('from-local-tar');
    await drop('store-tar');
    const putRatio = put.seconds / copyBeforePut;
    const getRatio = get.seconds / copyBeforeGet;
    console.log(`  local store / plain copy: put ${putRatio.toFixed(2)}x, get ${getRatio.toFixed(2)}x`);
    const worst = Math.max(putRatio, getRatio);
    console.log(`artifacts: multipart put ${s3Ratio.toFixed(2)}x single-stream (directory upload ${dirRatio.toFixed(2)}x), local store ${worst.toFixed(2)}x plain copy (goal multipart >= 2x, local <= 1.3x)`);
  } finally {
    await server.stop().catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
