import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const FALLBACK = 'http://deb.debian.org/debian';

/**
 * The Debian mirror debootstrap should use: the first non-security `deb`/`URIs:` entry of apt's
 * own sources (so a machine that can only reach its configured mirror works), else deb.debian.org.
 */
export function debianMirror(aptDir = '/etc/apt'): string {
  const files: string[] = [path.join(aptDir, 'sources.list')];
  try {
    for (const name of readdirSync(path.join(aptDir, 'sources.list.d')).sort()) {
      files.push(path.join(aptDir, 'sources.list.d', name));
    }
  } catch {
    // no sources.list.d
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const uris = [
      ...[...text.matchAll(/^\s*URIs:\s*(\S+)/gim)].map((m) => m[1]!),
      ...[...text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gim)].map((m) => m[1]!),
    ];
    const found = uris.find((u) => /^https?:\/\//.test(u) && !/security/.test(u));
    if (found) return found.replace(/\/$/, '');
  }
  return FALLBACK;
}
