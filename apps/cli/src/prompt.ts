import { createInterface } from 'node:readline';
import { CliError } from './errors.js';

/** The first line of `input` without its line ending; null when the input ends before one. */
export function readLine(input: NodeJS.ReadableStream = process.stdin): Promise<string | null> {
  return new Promise((resolve) => {
    const lines = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    let line: string | null = null;
    lines.once('line', (text) => {
      line = text;
      lines.close();
    });
    lines.once('close', () => resolve(line));
  });
}

/** Asks on stderr (stdout stays for what a command prints) and reads the answer, echoed as typed. */
export async function ask(question: string): Promise<string> {
  process.stderr.write(question);
  const answer = await readLine();
  if (answer === null) throw new CliError('cancelled');
  return answer.trim();
}

/**
 * Asks on stderr and reads a secret from the terminal with echo off: the
 * terminal in raw mode, each keystroke read here, nothing written back.
 * Backspace and Ctrl-U edit; Ctrl-C and Ctrl-D cancel.
 */
export function readSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new Error('readSecret needs a terminal; read a line from stdin instead');
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let secret = '';
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stdin.off('data', onKeys);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(secret);
    };
    const onKeys = (keys: string) => {
      // An arrow or function key: an escape sequence, not part of any password.
      if (keys.startsWith('\u001b')) return;
      for (const key of keys) {
        if (key === '\r' || key === '\n') return done();
        if (key === '\u0003' || (key === '\u0004' && secret === '')) return done(new CliError('cancelled'));
        if (key === '\u007f' || key === '\b') secret = [...secret].slice(0, -1).join('');
        else if (key === '\u0015') secret = '';
        else if (key >= ' ') secret += key;
      }
    };
    stdin.on('data', onKeys);
  });
}
