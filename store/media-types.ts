/** The media type an object's key says by its extension: what a store reports when it kept no other. */
const BY_EXTENSION: Record<string, string> = {
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  log: 'text/plain',
  txt: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  svg: 'image/svg+xml',
  png: 'image/png',
};

export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

export function mediaTypeOfKey(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? BY_EXTENSION[name.slice(dot + 1).toLowerCase()] : undefined) ?? DEFAULT_MEDIA_TYPE;
}
