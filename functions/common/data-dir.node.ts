/**
 * The data directory holds the signing keys (in state.db), the admin token, queues, simulated
 * clusters and a kubeconfig: anyone who can read it can mint admin tokens, anyone who can write it
 * can plant their own key. So it is created 0700 with every file in it 0600, existing installs are
 * tightened on start, and a directory that other users can write is refused (what is in it can no
 * longer be trusted) with the command that fixes it.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/base/errors.js';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

function refuse(message: string): never {
  throw new AppError('INVALID_CONFIG', message);
}

/** Refuses a directory that a user other than this one can write; chmods it 0700 otherwise. */
function checkDir(dir: string, root: string): void {
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    refuse(
      `data directory ${dir} belongs to another user (uid ${st.uid}), who can change the signing keys in it; run Switchyard as that user, or set SWITCHYARD_DATA_DIR to a directory of your own.`,
    );
  }
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    refuse(
      `data directory ${dir} can be written by other users (mode ${mode}), so its signing keys cannot be trusted; check its contents, then run: chmod -R go-rwx ${root} (or set SWITCHYARD_DATA_DIR to a private directory).`,
    );
  }
  if ((st.mode & 0o777) !== DIR_MODE) chmodSync(dir, DIR_MODE);
}

/**
 * Creates `dataDir` (0700) if needed, refuses it (or any directory under it) when other users can
 * write it, and tightens every directory to 0700 and every file to 0600 (SQLite's -wal/-shm side
 * files included). Symbolic links are left alone, never followed.
 */
export function secureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  const walk = (dir: string): void => {
    checkDir(dir, dataDir);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && (lstatSync(path).mode & 0o777) !== FILE_MODE) {
        chmodSync(path, FILE_MODE);
      }
    }
  };
  walk(dataDir);
}

/** Writes a file readable by this user only, also when it existed with a wider mode. */
export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: FILE_MODE });
  chmodSync(path, FILE_MODE);
}
