import { describe, expect, it } from 'vitest';
import { EMPTY_SWEEP_FORM, type FormIssue, type SweepFormState, validateSweepForm } from '../lib/sweep-form.js';
import { type SweepIssueKey, sweepIssueText } from '../lib/sweep-issues.js';
import { wordsOf } from './catalogue-words.js';

const en = wordsOf<SweepIssueKey>('sweepIssues', 'en');
const ko = wordsOf<SweepIssueKey>('sweepIssues', 'ko');

const issuesOf = (fields: Partial<SweepFormState>): FormIssue[] => {
  const validation = validateSweepForm({
    ...EMPTY_SWEEP_FORM,
    project: 'demo/default',
    name: 'depth sweep',
    ...fields,
  });
  if (validation.ok) throw new Error('expected the form to be refused');
  return validation.issues;
};

describe('the launch form’s issues in the page’s language', () => {
  it('words the form’s own issues by their code', () => {
    const [notNumber] = issuesOf({ lr: 'fast' });
    expect(sweepIssueText(ko, notNumber as FormIssue)).toBe('“fast”은(는) 숫자가 아닙니다');
    expect(sweepIssueText(en, notNumber as FormIssue)).toBe('“fast” is not a number');
    const missing = issuesOf({ project: '', archs: [] }).map((i) => sweepIssueText(ko, i));
    expect(missing.sort()).toEqual(['스윕을 시작할 프로젝트를 고르세요', '아키텍처를 하나 이상 고르세요'].sort());
  });

  it('words the schema’s and the expansion’s issues by the field they belong to, keeping the combination', () => {
    const [name] = issuesOf({ name: '  ' });
    expect(sweepIssueText(ko, name as FormIssue)).toBe('스윕 이름은 1~200자로 입력하세요');
    const [momentum] = issuesOf({ momentum: '2' });
    expect(momentum?.path).toBe('runs[0].optim.momentum');
    expect(sweepIssueText(ko, momentum as FormIssue)).toBe(
      '모멘텀은 0 이상 1 이하입니다 (조합 model.arch=plain, model.depth=20, seed=0)',
    );
    const [depth] = issuesOf({ depths: '21' });
    expect(sweepIssueText(en, depth as FormIssue)).toMatch(
      /^not a known network: depth must be 6n\+2 .* \(combination /,
    );
  });

  it('counts the runs of a grid too large to launch', () => {
    const seeds = Array.from({ length: 600 }, (_, i) => i).join(',');
    const [tooMany] = issuesOf({ seeds, depths: '20, 32' });
    expect(tooMany?.path).toBe('grid');
    expect(sweepIssueText(ko, tooMany as FormIssue)).toBe('실행 2,400개로 펼쳐집니다. 최대 2,000개까지 가능합니다');
  });

  it('keeps the contract’s English for a field the catalogue has no rule for', () => {
    const issue: FormIssue = { path: 'base.data.dataset', message: 'Invalid option: expected one of …' };
    expect(sweepIssueText(ko, issue)).toBe('Invalid option: expected one of …');
  });
});
