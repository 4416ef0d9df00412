/**
 * Lifecycle cleanup for what crashed uploads leave in an S3 store: staging objects (content of
 * unknown hash uploaded under `<prefix>/.repairity/staging/` and not yet copied to its blob key)
 * and multipart uploads that never completed or aborted (their parts are stored and billed, but
 * never visible). Only what is older than `olderThanMs` goes, so uploads in progress are left
 * alone: choose an age longer than any upload takes.
 *
 * On AWS, a bucket lifecycle rule does the same without a caller (expire objects under the staging
 * prefix, AbortIncompleteMultipartUpload); this is for servers and buckets without one.
 */
import { AbortMultipartUploadCommand, DeleteObjectCommand, ListMultipartUploadsCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';

import type { CleanStagingResult } from './staging.js';

export type { CleanStagingOptions, CleanStagingResult } from './staging.js';
export { DEFAULT_STAGING_MAX_AGE_MS } from './staging.js';

export async function cleanStaging(
  client: S3Client,
  o: { bucket: string; prefix: string; stagingPrefix: string; olderThanMs: number; now?: number },
): Promise<CleanStagingResult> {
  const cutoff = (o.now ?? Date.now()) - o.olderThanMs;
  let stagingDeleted = 0;
  for await (const page of paginateListObjectsV2({ client }, { Bucket: o.bucket, Prefix: o.stagingPrefix })) {
    for (const obj of page.Contents ?? []) {
      if (!obj.Key || !obj.LastModified || obj.LastModified.getTime() > cutoff) continue;
      await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: obj.Key }));
      stagingDeleted++;
    }
  }
  // The whole bucket's pending uploads, filtered here: MinIO lists them only without a prefix or
  // for one exact key (AWS honours a folder prefix, but the result is the same).
  let uploadsAborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: o.bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    for (const u of page.Uploads ?? []) {
      if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated.getTime() > cutoff) continue;
      if (o.prefix !== '' && !u.Key.startsWith(`${o.prefix}/`)) continue;
      await client.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: u.Key, UploadId: u.UploadId }));
      uploadsAborted++;
    }
    if (!page.IsTruncated || !page.NextKeyMarker) break;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
  return { stagingDeleted, uploadsAborted };
}
