import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Start-up failures an operator can fix, told in French with the path and what to do, instead of a
 * stack trace: a read-only database or data directory, a full disk, a file that cannot be opened.
 * Anything else is a bug and keeps its stack.
 */
export function explainStartupFailure(error: unknown, paths: { databasePath: string; dataDir: string }): string | undefined {
  let code = (error as { code?: string } | null)?.code ?? '';
  const { databasePath, dataDir } = paths;
  // On a read-only file system SQLite says only that it cannot open the file (it cannot create the -shm beside it).
  if (code === 'SQLITE_CANTOPEN') code = directoryWriteError(dirname(databasePath)) ?? code;
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_') || code === 'EROFS') {
    return `La base ${databasePath} (ou son dossier ${dataDir}) est en lecture seule : le service doit pouvoir y écrire, ainsi que les fichiers -wal et -shm à côté. Rendez le fichier et le dossier accessibles en écriture à l’utilisateur du service, puis relancez.`;
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return `Le disque qui contient ${databasePath} est plein : libérez de la place (anciennes sauvegardes, journaux) puis relancez.`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return `Accès refusé à ${dataDir} : l’utilisateur du service doit pouvoir lire et écrire ce dossier (base et secrets). Corrigez les droits puis relancez.`;
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'ENOENT') {
    return `Impossible d’ouvrir la base ${databasePath} : vérifiez que le dossier existe et que l’utilisateur du service peut y écrire, puis relancez.`;
  }
  return undefined;
}

function directoryWriteError(directory: string): string | undefined {
  try {
    accessSync(directory, constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}
