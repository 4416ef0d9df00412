/**
 * The line protocol between the host and the supervisor (runtime/supervisor.py) that runs inside
 * each sandbox container: one JSON request per line on stdin, one `@@REPAIRITY <json>` line per
 * answer on stdout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../core/package-root.js';

export interface SupervisorRequest {
  id: string;
  /** Relative path -> UTF-8 content, written into a fresh working directory. */
  files: Record<string, string>;
  /** Base64 of a tar archive extracted into the working directory. */
  archive?: string;
  argv: string[];
  /**
   * A Python script (and its arguments) the container supervisor may run in a process forked from
   * its warm zygote instead of starting `argv` (same result, no interpreter start-up). Ignored on the host.
   */
  inProcess?: { script: string; args: string[] };
  env?: Record<string, string>;
  timeoutMs: number;
  /** Bytes of stdout and of stderr kept (head and tail halves). */
  outputLimit: number;
}

export interface SupervisorResponse {
  id: string | null;
  /** The request could not be set up (bad file path, bad archive); nothing ran. */
  setupError?: string;
  exitCode: number | null;
  signal: number | null;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  stdoutBytes: number;
  stderrBytes: number;
  /** Content of `$REPAIRITY_RESULT` (the harness's report), when the task wrote one. */
  result: string | null;
  /** Processes, files or IPC objects still present after cleanup; non-empty retires a container. */
  leftovers: string[];
}

export const RESPONSE_PREFIX = '@@REPAIRITY ';

/** Path of the result file inside the working directory, as the supervisor sets `$REPAIRITY_RESULT`. */
export const RESULT_FILE = '.repairity/result.json';

const runtimeFiles = new Map<string, string>();

/** The source of a file under sandbox/runtime/ (supervisor, harnesses), read once. */
export function runtimeFile(name: string): string {
  let text = runtimeFiles.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(packageRoot(), 'sandbox', 'runtime', name), 'utf8');
    runtimeFiles.set(name, text);
  }
  return text;
}

/** Splits a stream of text into complete lines. */
export class LineSplitter {
  private buffer = '';
  push(chunk: string): string[] {
    this.buffer += chunk;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    return lines;
  }
}
