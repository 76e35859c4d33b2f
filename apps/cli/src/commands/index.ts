import type { Command } from '../command.js';
import { analysesCancel, analysesLs, analysesShow, analyze } from './analyses.js';
import { runsFollow } from './follow.js';
import { importTensorboard } from './import.js';
import { keysCreate, keysLs, keysRevoke } from './keys.js';
import { login, logout, whoami } from './login.js';
import { runsCancel, runsLs, runsRetry } from './runs.js';
import { shareCompare, shareLs, shareRevoke, shareRun, shareSweep } from './share.js';
import { sweepExpand, sweepLs, sweepShow, sweepSubmit } from './sweep.js';
import { audit, membersLs, membersRm, membersSet, projectsCreate, projectsLs, teamsCreate, teamsLs } from './teams.js';
import { workersEnrolToken, workersLs, workersRevoke } from './workers.js';

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
  analyze,
  analysesLs,
  analysesShow,
  analysesCancel,
  importTensorboard,
  shareRun,
  shareSweep,
  shareCompare,
  shareLs,
  shareRevoke,
  keysCreate,
  keysLs,
  keysRevoke,
  teamsLs,
  teamsCreate,
  membersLs,
  membersSet,
  membersRm,
  projectsLs,
  projectsCreate,
  workersLs,
  workersEnrolToken,
  workersRevoke,
  audit,
];
