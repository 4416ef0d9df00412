/**
 * Server-side copy of one object to another key, with new metadata. Objects above the single-copy
 * limit (5 GiB on AWS) are copied as a multipart upload of ranged part copies, several at once;
 * the destination appears only when every part is in (and the upload is aborted otherwise).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface CopyOptions {
  bucket: string;
  from: string;
  to: string;
  size: number;
  contentType: string;
  metadata: Record<string, string>;
  /** Largest object copied in one request. Default 5 GiB. */
  singleCopyLimit: number;
  /** Part size of a multipart copy. Default 512 MiB. */
  partSize: number;
  concurrency: number;
}

export async function copyObject(client: S3Client, o: CopyOptions): Promise<void> {
  const source = `${o.bucket}/${o.from.split('/').map(encodeURIComponent).join('/')}`;
  if (o.size <= o.singleCopyLimit) {
    await client.send(
      new CopyObjectCommand({
        Bucket: o.bucket,
        Key: o.to,
        CopySource: source,
        MetadataDirective: 'REPLACE',
        ContentType: o.contentType,
        Metadata: o.metadata,
      }),
    );
    return;
  }
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: o.bucket, Key: o.to, ContentType: o.contentType, Metadata: o.metadata }),
  );
  try {
    const count = Math.ceil(o.size / o.partSize);
    const parts: { ETag: string; PartNumber: number }[] = new Array(count);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const start = i * o.partSize;
        const end = Math.min(o.size, start + o.partSize) - 1;
        const out = await client.send(
          new UploadPartCopyCommand({
            Bucket: o.bucket,
            Key: o.to,
            UploadId,
            PartNumber: i + 1,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts[i] = { ETag: out.CopyPartResult?.ETag ?? '', PartNumber: i + 1 };
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, count)) }, worker));
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: o.bucket, Key: o.to, UploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: o.to, UploadId })).catch(() => undefined);
    throw err;
  }
}
