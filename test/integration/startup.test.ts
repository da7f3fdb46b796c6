import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/shared/config';
import { lockIsHeld } from '../../src/db/data-source';
import { embeddedDataDir, entryPointCommand } from '../helpers/entry-point';
import { freePort } from '../helpers/basics';

/*
 * What a newcomer meets when `npm start` cannot start: one line that says what is wrong and what
 * to do, never a stack. The real entry point, as a child process.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const STACK_LINE = /^\s+at .+[(:]\d+/m;

interface Run {
  code: number | null;
  output: string;
}

/** Runs src/main.ts until it exits, or until it prints `until` (then stops it). */
function runEntryPoint(env: NodeJS.ProcessEnv, { until, prefix = [] }: { until?: RegExp; prefix?: string[] } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const command = [...prefix, ...entryPointCommand()];
    const child = spawn(command[0], command.slice(1), {
      cwd: ROOT,
      env: { ...process.env, HOST: '127.0.0.1', SEED_DEMO: 'false', DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a stop reaches a wrapper (unshare) and the server inside alike.
      detached: true,
    });
    let output = '';
    const signal = (name: NodeJS.Signals) => process.kill(-(child.pid as number), name);
    const timer = setTimeout(() => {
      signal('SIGKILL');
      reject(new Error(`no exit within 100 s:\n${output}`));
    }, 100_000);
    let stopping = false;
    const collect = (chunk: Buffer) => {
      output += chunk;
      if (!stopping && until?.test(output)) {
        stopping = true;
        signal('SIGTERM');
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function tempDataDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dvk-startup-')), 'pglite');
}

describe('npm start that cannot start says why in one line', () => {
  it('names a port that is taken and how to pick another', async () => {
    // Arrange: someone else holds the port
    const port = await freePort();
    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    try {
      // Act
      // (On a copy of the suite's migrated data folder: the database opens before the port.)
      const run = await runEntryPoint({ PORT: String(port), DATA_DIR: embeddedDataDir('migrated') });

      // Assert
      expect(run.code).toBe(1);
      expect(run.output).toContain(`Cannot start: port ${port} is already in use`);
      expect(run.output).toContain('PORT=');
      expect(run.output).not.toMatch(/Internal error emitted|EADDRINUSE/);
      expect(run.output).not.toMatch(STACK_LINE);
    } finally {
      holder.close();
    }
  });

  it('names the host and port of a DATABASE_URL it cannot reach, and never its password', async () => {
    const port = await freePort(); // nothing listens there
    const run = await runEntryPoint({ PORT: '0', DATABASE_URL: `postgres://postgres:hunter2-secret@127.0.0.1:${port}/dvk` });
    expect(run.code).toBe(1);
    expect(run.output).toContain(`Cannot start: cannot reach PostgreSQL at 127.0.0.1:${port} (DATABASE_URL): nothing is listening there`);
    expect(run.output).not.toContain('hunter2-secret');
    expect(run.output).not.toMatch(STACK_LINE);
  });

  it('refuses a data folder another live server holds, without a stack', async () => {
    // Arrange: this test process stands for the live holder, lock written as the server writes it
    const dataDir = tempDataDir();
    fs.mkdirSync(dataDir, { recursive: true });
    const startTime = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[19];
    fs.writeFileSync(`${dataDir}.lock`, `${process.pid} ${startTime}`);

    // Act
    const run = await runEntryPoint({ PORT: '0', DATA_DIR: dataDir });

    // Assert
    expect(run.code).toBe(1);
    expect(run.output).toContain(`Cannot start: the embedded database at ${dataDir} is in use by process ${process.pid}`);
    expect(run.output).not.toMatch(STACK_LINE);
  });

  it('states the name:token format of API_TOKENS, without echoing the value', async () => {
    const run = await runEntryPoint({ PORT: '0', DATA_DIR: 'memory://', API_TOKENS: 'garbage' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/^Configuration error: API_TOKENS must be a comma-separated list of name:token pairs/m);
    expect(run.output).not.toContain('garbage');
    expect(run.output).not.toMatch(STACK_LINE);
  });
});

describe('the embedded database lock', () => {
  it('restarts as pid 1 over the lock a crashed pid-1 server left (a container restart)', async () => {
    // Arrange: the data folder and lock of a server that was pid 1 in its container and died
    // without cleaning up (its data: a copy of the suite's migrated data folder)
    const dataDir = embeddedDataDir('migrated');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(`${dataDir}.lock`, '1 4242');

    // Act: the replacement is pid 1 too, in a new pid namespace
    const run = await runEntryPoint({ PORT: '0', DATA_DIR: dataDir }, { prefix: ['unshare', '--pid', '--fork', '--mount-proc'], until: /ready at/ });

    // Assert
    expect(run.output).toContain('ready at');
    expect(run.output).not.toContain('in use by process');
    // Released on SIGTERM (the server inside may finish after the unshare wrapper has exited).
    for (let i = 0; i < 100 && fs.existsSync(`${dataDir}.lock`); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);
  }, 120_000);

  it('tells a live holder from a dead one, from this very process and from a reused pid', () => {
    const self = fs.readFileSync('/proc/self/stat', 'utf8');
    const selfStart = self.slice(self.lastIndexOf(')') + 2).split(' ')[19];
    const parent = process.ppid;
    const parentStat = fs.readFileSync(`/proc/${parent}/stat`, 'utf8');
    const parentStart = parentStat.slice(parentStat.lastIndexOf(')') + 2).split(' ')[19];

    expect(lockIsHeld(`${parent} ${parentStart}`)).toBe(true); // alive, same process
    expect(lockIsHeld(`${parent}`)).toBe(true); // alive, no start time recorded
    expect(lockIsHeld(`${parent} ${Number(parentStart) + 1}`)).toBe(false); // pid reused by a later process
    expect(lockIsHeld(`${process.pid} ${selfStart}`)).toBe(false); // names the process now taking it
    expect(lockIsHeld('4194999 1')).toBe(false); // no such process
    expect(lockIsHeld('not a pid')).toBe(false);
  });
});

describe('API_TOKENS', () => {
  it('takes name:token pairs', () => {
    const config = loadConfig({ API_TOKENS: 'portal:7f3c9a1e5b, press:c04d2e8f61' });
    expect([...config.apiTokens]).toEqual([
      ['7f3c9a1e5b', 'portal'],
      ['c04d2e8f61', 'press'],
    ]);
  });

  it.each([['garbage'], ['portal:short'], [':7f3c9a1e5b'], ['bad name:7f3c9a1e5b']])('refuses %j with the expected format', (value) => {
    expect(() => loadConfig({ API_TOKENS: value })).toThrow(/name:token pairs/);
  });
});
