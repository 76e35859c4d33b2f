import { z } from 'zod';

/**
 * How a run or sweep request names its project: `team/project`, or `project`
 * alone when exactly one team the caller may write to has a project of that slug.
 */
export const ProjectRef = z
  .string()
  .regex(
    /^([a-z0-9][a-z0-9-]{0,62}\/)?[a-z0-9][a-z0-9-]{0,62}$/,
    "a project as 'team/project', or 'project' when only one of your teams has it",
  );
