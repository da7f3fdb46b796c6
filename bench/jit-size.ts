import 'reflect-metadata';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseArgs } from 'node:util';
import { parse, type GraphQLSchema } from 'graphql';
import type * as GraphqlJit from 'graphql-jit';
import { servedSchema } from '../src/app/schema';
import { dashboardQuery, wideDocument } from './dashboard';

/*
 * The size of graphql-jit's generated code for the API's own schema, and what a compiled wide
 * document holds on the heap: what the compiled-operation cache's estimate (jit-executor.ts,
 * BYTES_PER_GENERATED_CHAR) must cover. `--jit` compiles with another copy of graphql-jit, for
 * example the unpatched one of bench/README.md's A/B base.
 *
 *   node dist/bench/jit-size.js [--jit /tmp/base078/node_modules/graphql-jit] [--documents 20]
 */

const { values } = parseArgs({ options: { jit: { type: 'string' }, documents: { type: 'string', default: '20' } } });
const documents = Number(values.documents);
if (!(documents > 0)) throw new Error('--documents must be a positive number');
const GENERATED_CODE = '__DO_NOT_USE_THIS_OR_YOU_WILL_BE_FIRED_compilation';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the copy to measure is chosen at run time
const jit = require(values.jit ? path.resolve(values.jit) : 'graphql-jit') as typeof GraphqlJit;

function compile(schema: GraphQLSchema, source: string): { query: GraphqlJit.CompiledQuery; chars: number; ms: number } {
  const started = process.hrtime.bigint();
  const compiled = jit.compileQuery(schema, parse(source), undefined, { disablingCapturingStackErrors: true, debug: true } as Parameters<
    typeof jit.compileQuery
  >[3]);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!jit.isCompiledQuery(compiled)) throw new Error(`did not compile: ${JSON.stringify(compiled.errors)}`);
  const record = compiled as unknown as Record<string, unknown>;
  const chars = String(record[GENERATED_CODE]).length;
  delete record[GENERATED_CODE];
  return { query: compiled, chars, ms };
}

function heapUsed(): number {
  const gc = (global as { gc?: () => void }).gc ?? (v8.setFlagsFromString('--expose-gc'), vm.runInNewContext('gc') as () => void);
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  // As the server runs it: generated code of a dropped entry must be freed, not cached by V8.
  v8.setFlagsFromString('--no-compilation-cache');
  const { schema } = await servedSchema();
  const dashboard = compile(schema, dashboardQuery(true));
  compile(schema, wideDocument(-1)); // warm-up: the first compilation pays for graphql-jit's own code
  const before = heapUsed();
  const kept: GraphqlJit.CompiledQuery[] = [];
  let chars = 0;
  let ms = 0;
  for (let i = 0; i < documents; i += 1) {
    const wide = compile(schema, wideDocument(i));
    chars += wide.chars;
    ms += wide.ms;
    kept.push(wide.query);
  }
  const heapPerDocument = (heapUsed() - before) / documents;
  console.log(`graphql-jit: ${values.jit ?? 'the project’s'}`);
  console.log(`dashboard (with summary): ${dashboard.chars} characters of generated code`);
  console.log(
    `wide document (1,640 fields), mean of ${documents}: ${Math.round(chars / documents)} characters, ${(ms / documents).toFixed(0)} ms to compile, ` +
      `${(heapPerDocument / 1e6).toFixed(2)} MB of heap kept per compiled document (${(heapPerDocument / (chars / documents)).toFixed(2)} bytes per character of generated code)`,
  );
  if (kept.length !== documents) throw new Error('unreachable');
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
