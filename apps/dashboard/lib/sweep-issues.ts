/**
 * The launch form's issues in the page's language. The contracts word their issues in English for the API and the
 * CLI (libs/contracts sweeps.ts, run-config.ts), and the expansion's issues carry only that English, no code: so
 * the form words an issue by what it knows for sure, the code it found itself (lib/sweep-form.ts), else the field
 * the path belongs to, whose rule the catalogue states in full (the ranges of RunConfig and SweepSpec). A field
 * the catalogue has no rule for (project, dataset, schedule, an unknown architecture) keeps the contract's English:
 * a message in the wrong language beats one that says something the contract did not.
 */
import { type FormIssue, formFieldOf, type SweepFormState } from '@/lib/sweep-form';

const RULES = {
  name: 'ruleName',
  experiment: 'ruleExperiment',
  depths: 'ruleDepth',
  seeds: 'ruleSeed',
  trainSubset: 'ruleTrainSubset',
  valSize: 'ruleValSize',
  imageSize: 'ruleImageSize',
  epochs: 'ruleEpochs',
  lr: 'ruleLr',
  momentum: 'ruleMomentum',
  weightDecay: 'ruleWeightDecay',
  batchSize: 'ruleBatchSize',
} as const satisfies Partial<Record<keyof SweepFormState, string>>;

export type SweepIssueKey = NonNullable<FormIssue['code']> | (typeof RULES)[keyof typeof RULES] | 'inCombination';

/** The `sweepIssues` catalogue's translator: `useTranslations('sweepIssues')`. */
export type SweepIssueWords = (key: SweepIssueKey, values?: Record<string, string | number>) => string;

/** expandSweep appends the grid values of the run that broke the contract: `(combination model.depth=21, seed=0)`. */
const COMBINATION = /\(combination (.+)\)$/;

export function sweepIssueText(t: SweepIssueWords, issue: FormIssue): string {
  if (issue.code) return t(issue.code, issue.values);
  const field = formFieldOf(issue.path);
  const rule = field && field in RULES ? t(RULES[field as keyof typeof RULES]) : null;
  if (!rule) return issue.message;
  const combination = COMBINATION.exec(issue.message)?.[1];
  return combination ? t('inCombination', { rule, combination }) : rule;
}
