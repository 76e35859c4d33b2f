import { spawn } from 'node:child_process';
import { type Command, stringOption } from '../command.js';
import { notSignedInMessage } from '../config-file.js';
import { CliError, NotSignedInError } from '../errors.js';

/** What the Python SDK's package is called on pip, with the extra the import needs (libs/sdk-python). */
const INSTALL_HINT = "pip install ./libs/engine './libs/sdk-python[tensorboard]' (from a ResLab checkout)";

/**
 * `reslab import tensorboard <logdir>`: the Python SDK's importer (`python -m reslab import tensorboard`, which reads
 * event files with TensorBoard's own reader) run with the user's Python, so there is one implementation of the
 * reading. It gets this CLI's orchestrator and credential through the environment, as any script using the SDK.
 */
export const importTensorboard: Command = {
  noun: 'import',
  verb: 'tensorboard',
  usage: '<logdir> [--project <team/project>] [--experiment <name>]',
  summary: 'import TensorBoard event files: one external run per folder, every scalar as a metric history',
  optionHelp: [
    '--project <p>     team/project, or a project slug only one of your teams has (default: default)',
    '--experiment <e>  the experiment the runs go in (default: tensorboard)',
    'RESLAB_PYTHON     the Python with the reslab package (default: python3)',
  ],
  options: { project: { type: 'string' }, experiment: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ profile, values, positionals, note }) {
    if (profile.credential.token === null) {
      throw new NotSignedInError(notSignedInMessage(profile.credential, profile.apiUrl));
    }
    const python = process.env.RESLAB_PYTHON || 'python3';
    const args = ['-m', 'reslab', 'import', 'tensorboard', positionals[0] as string];
    for (const name of ['project', 'experiment']) {
      const value = stringOption(values, name);
      if (value !== undefined) args.push(`--${name}`, value);
    }
    const child = spawn(python, args, {
      env: { ...process.env, RESLAB_API_URL: profile.apiUrl, RESLAB_API_KEY: profile.credential.token },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ENOENT'
            ? new CliError(`${python} not found: install Python 3.10 or later, or set RESLAB_PYTHON to one`)
            : error,
        ),
      );
      child.once('close', (status) => resolve(status ?? 1));
    });
    if (code !== 0 && /No module named reslab\b/.test(stderr)) {
      throw new CliError(`the reslab Python package is not installed for ${python}: ${INSTALL_HINT}`);
    }
    for (const line of stderr.split('\n').filter(Boolean)) note(line);
    return code;
  },
};
