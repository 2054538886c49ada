/**
 * Group commit for a file written synchronously elsewhere (the spool's WAL): `wrote()` after each
 * write, `durable()` to wait until every write so far is on disk. The fdatasync runs on libuv's
 * thread pool, so the event loop keeps working while the disk syncs, and one sync covers every
 * write made before it started; writes made during a sync are covered by the next.
 */
import { closeSync, fdatasync, fdatasyncSync, fsync, fsyncSync, openSync } from "node:fs";
import path from "node:path";

const sync = (fd: number, data: boolean) =>
  new Promise<void>((resolve, reject) =>
    (data ? fdatasync : fsync)(fd, (err) => (err ? reject(err) : resolve())),
  );

export class GroupSync {
  private fd: number | undefined;
  private written = 0;
  private synced = 0;
  private running: Promise<void> | undefined;
  private waiters: { upTo: number; resolve: () => void; reject: (err: Error) => void }[] = [];

  /** `file` must exist by the first durable() and keep its inode while this is open. */
  constructor(private readonly file: string) {}

  /** Counts a write made to the file. */
  wrote(): void {
    this.written++;
  }

  /** Resolves once every write counted so far is on disk. */
  durable(): Promise<void> {
    if (this.synced >= this.written) return Promise.resolve();
    const upTo = this.written;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
    this.running ??= this.run();
    return done;
  }

  /** Puts every write so far on disk now, blocking (for rare steps that must be durable before the next line runs). */
  syncNow(): void {
    if (this.synced >= this.written) return;
    if (this.fd === undefined) {
      this.fd = openSync(this.file, "r");
      const dir = openSync(path.dirname(this.file), "r");
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
    fdatasyncSync(this.fd);
    // A sync already running covers less; its waiters are resolved when it ends.
    this.synced = this.written;
  }

  /** Closes the descriptor (once a sync still running has ended). */
  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) void (this.running ?? Promise.resolve()).finally(() => closeSync(fd));
  }

  private async run(): Promise<void> {
    try {
      if (this.fd === undefined) {
        this.fd = openSync(this.file, "r");
        // The file may be new: its directory entry must survive a power loss too.
        const dir = openSync(path.dirname(this.file), "r");
        try {
          await sync(dir, false);
        } finally {
          closeSync(dir);
        }
      }
      while (this.synced < this.written) {
        const upTo = this.written;
        await sync(this.fd, true);
        // syncNow() may have covered more meanwhile.
        const synced = Math.max(this.synced, upTo);
        this.synced = synced;
        const waiting = this.waiters;
        this.waiters = waiting.filter((w) => w.upTo > synced);
        for (const w of waiting) if (w.upTo <= synced) w.resolve();
      }
    } catch (err) {
      for (const w of this.waiters.splice(0)) w.reject(err as Error);
    } finally {
      this.running = undefined;
    }
  }
}
