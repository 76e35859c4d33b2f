/**
 * Every message catalogue, one JSON file per namespace and locale, imported statically so the build bundles
 * them and the type check knows each key (i18n/app-config.d.ts). A new namespace is one line per locale here;
 * test/messages.test.ts checks that both languages have the same keys and the same ICU arguments.
 */

import enAnalyses from './en/analyses.json';
import enCharts from './en/charts.json';
import enCommon from './en/common.json';
import enCompare from './en/compare.json';
import enExternal from './en/external.json';
import enFailures from './en/failures.json';
import enIdentity from './en/identity.json';
import enLaunch from './en/launch.json';
import enLive from './en/live.json';
import enLogin from './en/login.json';
import enNav from './en/nav.json';
import enPages from './en/pages.json';
import enRun from './en/run.json';
import enRuns from './en/runs.json';
import enShare from './en/share.json';
import enSweep from './en/sweep.json';
import enSweepIssues from './en/sweepIssues.json';
import enWorkers from './en/workers.json';
import koAnalyses from './ko/analyses.json';
import koCharts from './ko/charts.json';
import koCommon from './ko/common.json';
import koCompare from './ko/compare.json';
import koExternal from './ko/external.json';
import koFailures from './ko/failures.json';
import koIdentity from './ko/identity.json';
import koLaunch from './ko/launch.json';
import koLive from './ko/live.json';
import koLogin from './ko/login.json';
import koNav from './ko/nav.json';
import koPages from './ko/pages.json';
import koRun from './ko/run.json';
import koRuns from './ko/runs.json';
import koShare from './ko/share.json';
import koSweep from './ko/sweep.json';
import koSweepIssues from './ko/sweepIssues.json';
import koWorkers from './ko/workers.json';

const en = {
  launch: enLaunch,
  compare: enCompare,
  workers: enWorkers,
  identity: enIdentity,
  run: enRun,
  login: enLogin,
  pages: enPages,
  runs: enRuns,
  sweep: enSweep,
  sweepIssues: enSweepIssues,
  share: enShare,
  live: enLive,
  analyses: enAnalyses,
  charts: enCharts,
  common: enCommon,
  external: enExternal,
  failures: enFailures,
  nav: enNav,
};

const ko: typeof en = {
  launch: koLaunch,
  compare: koCompare,
  workers: koWorkers,
  identity: koIdentity,
  run: koRun,
  login: koLogin,
  pages: koPages,
  runs: koRuns,
  sweep: koSweep,
  sweepIssues: koSweepIssues,
  share: koShare,
  live: koLive,
  analyses: koAnalyses,
  charts: koCharts,
  common: koCommon,
  external: koExternal,
  failures: koFailures,
  nav: koNav,
};

export const messages = { en, ko };
