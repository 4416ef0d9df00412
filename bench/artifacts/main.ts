/**
 * Artifact store benchmark (`make bench-artifacts`). A checkpoint folder (2 GiB by default) goes to
 * MinIO and back, and into the local store and back:
 *
 * - S3 on loopback: MinIO and this client share the machine's cores and no network limits either
 *   side, so a single stream is bound by CPU (MinIO's per-request MD5 and page-cache copies, our
 *   sha256), exactly what parallel parts cannot add to on a 2-core machine.
 * - S3 through a modelled link (link.ts): the same, through a proxy that gives every TCP
 *   connection a fixed bandwidth and round-trip time, as real S3 does per connection (AWS's S3
 *   performance guide: one request per 85-90 MB/s of desired throughput). This is the condition
 *   parallel multipart exists for; the loopback figure is printed beside it.
 * - The local store against a plain `cp -r`, warm and cold page cache.
 *
 * Settings (env): BENCH_ARTIFACTS_GIB (default 2), BENCH_ARTIFACTS_PARALLEL (parts at once, 4),
 * BENCH_ARTIFACTS_PART_MIB (16), BENCH_ARTIFACTS_LINK_MBPS (modelled MB/s per connection, 90;
 * 0 skips the modelled link), BENCH_ARTIFACTS_LINK_RTT_MS (modelled round trip, 2 ms: same region).
 * The last line is the summary: `artifacts: <figures> (goal <goals>)`.
 * Goals: multipart >= 2x single-stream; the local store within 1.3x of a plain copy.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startMinio } from '../../dev-services/minio.js';
import { patternStream } from '../../store/pattern-stream.js';
import { hashStream } from '../../store/streams.js';
import { writeCheckpoint } from './checkpoint.js';
import { startLink } from './link.js';
import { runLocal } from './local-runs.js';
import { GiB, MiB, load } from './measure.js';
import { runS3 } from './s3-runs.js';
import { loadSettings } from '../../worker/settings.js';

const env = process.env;
const bytes = Math.round(Number(env.BENCH_ARTIFACTS_GIB ?? '2') * GiB);
const queueSize = Number(env.BENCH_ARTIFACTS_PARALLEL ?? '4');
const partSize = Number(env.BENCH_ARTIFACTS_PART_MIB ?? '16') * MiB;
const linkMBps = Number(env.BENCH_ARTIFACTS_LINK_MBPS ?? '90');
const linkRttMs = Number(env.BENCH_ARTIFACTS_LINK_RTT_MS ?? '2');

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-bench-artifacts-'));
  const src = path.join(work, 'checkpoint');
  console.log(
    `bench artifacts: ${(bytes / GiB).toFixed(2)} GiB checkpoint folder, parts of ${partSize / MiB} MiB, ${queueSize} at once; ${os.cpus().length} CPUs, load average ${load()}`,
  );
  await writeCheckpoint(src, bytes);
  const { sha256: streamSha256 } = await hashStream(patternStream(bytes, 1 << 20, 99));
  const server = await startMinio({ binary: loadSettings().defaults.minioBin, dataDir: path.join(work, 'minio') });
  try {
    await server.createBucket('bench');
    const common = {
      credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
      bucket: 'bench',
      src,
      bytes,
      streamSha256,
      partSize,
      queueSize,
      restoreTo: path.join(work, 'from-s3'),
    };
    console.log('S3, MinIO on loopback (no network limit; MinIO and the client share the CPUs):');
    const loop = await runS3({ ...common, endpoint: server.endpoint, prefix: 'loopback' });
    let modelled: Awaited<ReturnType<typeof runS3>> | undefined;
    if (linkMBps > 0) {
      console.log(`S3 through a modelled link: ${linkMBps} MB/s per connection each way, ${linkRttMs} ms round trip (proxy in its own process; see link.ts):`);
      const link = await startLink({ targetPort: server.port, bytesPerSecond: linkMBps * 1e6, rttMs: linkRttMs });
      try {
        modelled = await runS3({ ...common, endpoint: link.endpoint, prefix: 'modelled' });
      } finally {
        await link.stop();
      }
    }
    await server.stop();

    console.log('Local store vs plain copy (cp -r):');
    const local = await runLocal(work, src, bytes);

    const loopRatio = loop.putSingle / loop.putMulti;
    const localWarm = Math.max(local.warm.put, local.warm.get) / local.warm.copy;
    const localCold = Math.max(local.cold.put, local.cold.get) / local.cold.copy;
    const s3 = modelled
      ? `multipart ${(modelled.putSingle / modelled.putMulti).toFixed(2)}x single-stream over a modelled ${linkMBps} MB/s-per-connection link (loopback ${loopRatio.toFixed(2)}x)`
      : `multipart ${loopRatio.toFixed(2)}x single-stream on loopback`;
    console.log(`load average at the end: ${load()}`);
    console.log(
      `artifacts: ${s3}, local store ${localWarm.toFixed(2)}x plain copy warm, best of 3 each (cold ${localCold.toFixed(2)}x; sha256 alone ${(local.hashOnly / local.warm.copy).toFixed(2)}x) (goal multipart >= 2x, local <= 1.3x)`,
    );
  } finally {
    await server.stop().catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
