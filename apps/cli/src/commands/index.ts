import type { Command } from '../command.js';
import { runsFollow } from './follow.js';
import { login, logout, whoami } from './login.js';
import { runsCancel, runsLs, runsRetry } from './runs.js';
import { sweepExpand, sweepLs, sweepShow, sweepSubmit } from './sweep.js';
import { workersLs } from './workers.js';

/** Every command, in the order `reslab --help` lists them. */
export const COMMANDS: Command[] = [
  login,
  logout,
  whoami,
  sweepSubmit,
  sweepExpand,
  sweepLs,
  sweepShow,
  runsLs,
  runsFollow,
  runsCancel,
  runsRetry,
  workersLs,
];
