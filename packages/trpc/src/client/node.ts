// The Node journal: one file per pending operation in a folder, written to a temporary name, flushed to disk
// and renamed, so a crash leaves either the whole entry or none. A file that cannot be parsed is renamed
// `*.corrupt` and reported; it is never deleted.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Journal, type JournalEntry, JournalError, parseJournalEntry } from './journal.ts';

const fileName = (key: string): string => `${Buffer.from(key).toString('base64url')}.json`;

/**
 * @example
 * const journal = fileJournal('.idem-journal', { onCorrupt: (file, e) => log.error(e.message) });
 * idempotencyLink({ journal }); await resumePending(client, { journal });
 */
export function fileJournal(
  dir: string,
  options: { onCorrupt?: (file: string, error: JournalError) => void } = {},
): Journal {
  let ready: Promise<unknown> | null = null;
  const ensure = () => (ready ??= mkdir(dir, { recursive: true }));
  return {
    async put(entry: JournalEntry) {
      const target = join(dir, fileName(entry.key));
      const temp = `${target}.${process.pid}.tmp`;
      try {
        await ensure();
        const handle = await open(temp, 'w');
        try {
          await handle.writeFile(JSON.stringify(entry));
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, target);
      } catch (cause) {
        await rm(temp, { force: true }).catch(() => {});
        throw new JournalError(
          'JOURNAL_WRITE_FAILED',
          `could not journal operation ${entry.key}: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
    async delete(key: string) {
      await rm(join(dir, fileName(key)), { force: true });
    },
    async list() {
      await ensure();
      const entries: JournalEntry[] = [];
      for (const name of await readdir(dir)) {
        if (!name.endsWith('.json')) continue;
        const path = join(dir, name);
        const entry = parseJournalEntry(await readFile(path, 'utf8').catch(() => ''));
        if (entry) entries.push(entry);
        else {
          await rename(path, `${path}.corrupt`).catch(() => {});
          options.onCorrupt?.(
            path,
            new JournalError(
              'JOURNAL_CORRUPT',
              `journal file ${path} is unreadable; kept as ${name}.corrupt`,
            ),
          );
        }
      }
      return entries.sort((a, b) => a.createdAt - b.createdAt);
    },
  };
}
