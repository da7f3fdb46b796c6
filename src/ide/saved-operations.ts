import fs from 'node:fs';
import path from 'node:path';

/**
 * The analysts' questions, kept as `schema/operations/*.graphql` (one question a file, its
 * leading comment saying what it answers) and opened in the IDE as tabs after "Overview".
 * test/integration/ide-questions.part.ts runs every file against the demo data.
 */
export interface SavedOperation {
  /** File name, e.g. `01-city-figures-2023-h1.graphql`; tabs follow the files' name order. */
  file: string;
  /** The file's text, comment included: what the tab shows. */
  document: string;
  /** Names of the operations in it, in order (GraphiQL titles the tab with the first). */
  operationNames: string[];
}

const OPERATIONS_FOLDER = path.join('schema', 'operations');

/**
 * `schema/operations` of the project this module runs from: the nearest one above this file,
 * found the same from `src/ide/` (tests) and `dist/src/ide/` (the built server). Null when the
 * folder is not there (a deployment that copied only dist/): the IDE then opens on Overview alone.
 */
export function savedOperationsDir(from = __dirname): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, OPERATIONS_FOLDER);
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** Operation names as written (`query Name`, `subscription Name(…)`), without parsing the document. */
function operationNamesOf(document: string): string[] {
  const withoutComments = document.replace(/#[^\n]*/g, '');
  return [...withoutComments.matchAll(/\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g)].map((m) => m[1]);
}

/**
 * Reads every `*.graphql` file of `dir`, by name. Each must open with a `#` comment saying what
 * it answers and name its operations (a tab runs them by name): a file that does not is an
 * error, so a question cannot be added without its explanation.
 */
export function loadSavedOperations(dir: string | null = savedOperationsDir()): SavedOperation[] {
  if (!dir) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => {
      const document = fs.readFileSync(path.join(dir, file), 'utf8');
      if (!document.startsWith('#')) throw new Error(`${path.join(dir, file)} must start with a # comment saying what it answers.`);
      const operationNames = operationNamesOf(document);
      if (operationNames.length === 0) throw new Error(`${path.join(dir, file)} names no operation.`);
      return { file, document, operationNames };
    });
}
