/**
 * Runs an entry point command through `/bin/sh -c` in its own process group, so cancelling kills the whole tree
 * (the shell, the script, and anything they spawned), never leaving orphans behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export interface LaunchOptions {
  command: string;
  cwd: string;
  /** The full environment of the process (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Called with decoded output as it arrives. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Abort to cancel: SIGTERM to the group, then SIGKILL after `graceMs`. */
  signal?: AbortSignal;
  /** Stdout and stderr are also written here (created or truncated), flushed before the promise settles. */
  logFile?: string;
  /** Time between SIGTERM and SIGKILL on cancel (default 5000 ms). */
  graceMs?: number;
  /** Shell used for `-c` (default /bin/sh). */
  shell?: string;
  /**
   * Whether processes left in the group after the shell exits (background jobs) are terminated too
   * (default true), so a finished run leaves nothing behind.
   */
  reapGroup?: boolean;
  /** Called once the process started. */
  onStart?: (pid: number) => void;
}

export interface LaunchResult {
  /** Exit code of the shell; null when it ended by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the run was cancelled through the AbortSignal. */
  killed: boolean;
  pid: number | undefined;
  durationMs: number;
}

/** True while any process of the group exists (zombies, which are already dead, excluded). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // kill(2) also succeeds for zombies no one has reaped yet (e.g. when PID 1 does not reap). On Linux, look
  // at the members' states to tell.
  if (process.platform !== 'linux') return true;
  try {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue;
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] = state, fields[2] = pgrp
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  } catch {
    return true;
  }
}

/** True while a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM the group, wait up to graceMs for it to go away, then SIGKILL and wait a little more. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    if (!groupAlive(pgid)) return;
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 100 && groupAlive(pgid); i++) await sleep(20);
}

export function launch(opts: LaunchOptions): Promise<LaunchResult> {
  const started = Date.now();
  const graceMs = opts.graceMs ?? 5000;
  if (opts.signal?.aborted) {
    return Promise.resolve({ exitCode: null, signal: null, killed: true, pid: undefined, durationMs: 0 });
  }
  return new Promise<LaunchResult>((resolve, reject) => {
    let log: fs.WriteStream | undefined;
    if (opts.logFile) {
      fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
      log = fs.createWriteStream(opts.logFile);
    }
    const child = spawn(opts.shell ?? '/bin/sh', ['-c', opts.command], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid;
    let killed = false;
    let terminating: Promise<void> | undefined;
    const cancel = () => {
      if (!pgid || terminating) return;
      killed = true;
      terminating = terminateGroup(pgid, graceMs);
    };
    opts.signal?.addEventListener('abort', cancel, { once: true });

    const pipe = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
      const decoder = new StringDecoder('utf8');
      stream.on('data', (buf: Buffer) => {
        log?.write(buf);
        const text = decoder.write(buf);
        if (text) opts.onOutput?.(text, name);
      });
      stream.on('end', () => {
        const rest = decoder.end();
        if (rest) opts.onOutput?.(rest, name);
      });
    };
    pipe(child.stdout!, 'stdout');
    pipe(child.stderr!, 'stderr');

    const streamsClosed = new Promise<void>((r) => child.on('close', () => r()));
    let spawnError: Error | undefined;
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('spawn', () => {
      if (pgid) opts.onStart?.(pgid);
    });

    child.on('exit', (code, sig) => {
      void (async () => {
        try {
          // Background jobs outlive the shell; stop them so nothing is orphaned (and their pipes close).
          if (pgid && (opts.reapGroup ?? true) && !terminating) terminating = terminateGroup(pgid, graceMs);
          if (terminating) await terminating;
          // A process that escaped the group (setsid) may still hold the pipes; don't wait on it forever.
          await Promise.race([streamsClosed, sleep(2000)]);
          child.stdout?.destroy();
          child.stderr?.destroy();
          if (log) await new Promise<void>((r) => log!.end(r));
          opts.signal?.removeEventListener('abort', cancel);
          resolve({ exitCode: code, signal: sig, killed, pid: pgid, durationMs: Date.now() - started });
        } catch (e) {
          reject(e);
        }
      })();
    });
    if (!pgid) {
      // spawn failed synchronously-ish (ENOENT for the shell, bad cwd): 'exit' never fires.
      child.once('error', () => {
        log?.end();
        opts.signal?.removeEventListener('abort', cancel);
        reject(spawnError);
      });
    }
  });
}
