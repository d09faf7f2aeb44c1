/**
 * Tells when the policy file may have changed, however it was written: saved in place, replaced by an editor
 * that writes a new file and renames it over the old one (vim, most IDEs, `sed -i`), or swapped by a symlink
 * flip (a Kubernetes ConfigMap volume). Two sources, both debounced into one call:
 *   - a watch on the file's directory (fast), for events naming the file, or a `..data`-style symlink;
 *   - a stat poll of the path (slow, a backstop where directory events do not arrive: network mounts, some
 *     container bind mounts); it follows symlinks and notices a new inode, size or mtime.
 * A call only means "look again": the reloader compares the file's hash with the policy in force.
 */
import { unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface PolicyWatchOptions {
  /** Quiet time after the last event before the file is read (an editor's save is several events). Default 500 ms. */
  debounceMs?: number;
  /** Interval of the stat poll. Default 5 s. */
  pollMs?: number;
  log: { warn(obj: object, msg?: string): void; debug(obj: object, msg?: string): void };
}

export interface PolicyWatcher {
  close(): void;
}

export function watchPolicyFile(path: string, onChange: () => void, options: PolicyWatchOptions): PolicyWatcher {
  const debounceMs = options.debounceMs ?? 500;
  const name = basename(path);
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const changed = (source: string) => {
    if (closed) return;
    options.log.debug({ policy: path, source }, 'policy file event');
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (!closed) onChange();
    }, debounceMs);
    timer.unref();
  };

  let directory: FSWatcher | null = null;
  try {
    directory = watch(dirname(path), { persistent: false }, (_event, filename) => {
      // No name: the platform did not say which entry changed. `..data` and friends: a ConfigMap's symlink swap.
      if (filename === null || filename === name || filename.startsWith('..')) changed('watch');
    });
    directory.on('error', (error) => {
      options.log.warn({ policy: path, err: error.message }, 'watching the policy directory failed; changes are still noticed by polling');
      directory?.close();
      directory = null;
    });
  } catch (error) {
    options.log.warn({ policy: path, err: error instanceof Error ? error.message : String(error) }, 'cannot watch the policy directory; changes are noticed by polling');
  }

  const polled = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size || now.ctimeMs !== before.ctimeMs) changed('poll');
  };
  watchFile(path, { persistent: false, interval: options.pollMs ?? 5_000 }, polled);

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      directory?.close();
      unwatchFile(path, polled);
    },
  };
}
