import { TEAM_ROLES, TeamRole } from '@reslab/contracts';
import { firstItems, type ResLabApi } from '../api-client.js';
import { type Command, limitOption, stringOption } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { minute, shortId, table } from '../format.js';
import { resolveTeam } from '../resolve-id.js';

/** A TEAM argument: a slug, as `teams ls` prints it, or an id. */
export function teamResolver(api: ResLabApi) {
  return (given: string) => resolveTeam(given, () => api.listTeams());
}

export const teamsLs: Command = {
  noun: 'teams',
  verb: 'ls',
  usage: '[--json]',
  summary: 'list your teams: slug, name, your role',
  optionHelp: ['--json  print the teams as a JSON array of TeamDto'],
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ api, values, out }) {
    const teams = await api.listTeams();
    if (values.json) {
      out(JSON.stringify(teams, null, 2));
      return 0;
    }
    out(
      table(
        [{ header: 'SLUG' }, { header: 'NAME' }, { header: 'ROLE' }, { header: 'CREATED' }, { header: 'ID' }],
        teams.map((t) => [t.slug, t.name, t.role, minute(t.createdAt), t.id]),
      ),
    );
    return 0;
  },
};

export const teamsCreate: Command = {
  noun: 'teams',
  verb: 'create',
  usage: '<slug> [--name <name>]',
  summary: 'create a team, with you as its owner and a project named default',
  optionHelp: ['--name <name>  its display name (default: the slug)'],
  options: { name: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ api, values, positionals, out }) {
    const slug = positionals[0] as string;
    const team = await api.createTeam({ slug, name: stringOption(values, 'name') ?? slug });
    out(`team ${team.slug} created (${team.id}); you are its ${team.role}; its first project is ${team.slug}/default`);
    return 0;
  },
};

export const membersLs: Command = {
  noun: 'members',
  verb: 'ls',
  usage: '<team> [--json]',
  summary: "list a team's members and their roles",
  optionHelp: ['--json  print the members as a JSON array of MemberDto'],
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run({ api, values, positionals, out }) {
    const members = await api.listMembers(await teamResolver(api)(positionals[0] as string));
    if (values.json) {
      out(JSON.stringify(members, null, 2));
      return 0;
    }
    out(
      table(
        [{ header: 'EMAIL' }, { header: 'NAME' }, { header: 'ROLE' }, { header: 'SINCE' }],
        members.map((m) => [m.email, m.name, m.role, minute(m.since)]),
      ),
    );
    return 0;
  },
};

export const membersSet: Command = {
  noun: 'members',
  verb: 'set',
  usage: '<team> <email> <role>',
  summary: `add a user to a team by e-mail, or change their role (${TEAM_ROLES.join(', ')}); admins only`,
  options: {},
  positionals: { min: 3, max: 3 },
  async run({ api, positionals, out }) {
    const [team, email, role] = positionals as [string, string, string];
    const parsed = TeamRole.safeParse(role);
    if (!parsed.success) throw new UsageError(`role ${role}: expected one of ${TEAM_ROLES.join(', ')}`);
    const member = await api.putMember(await teamResolver(api)(team), { email, role: parsed.data });
    out(`${member.email} is ${member.role} in ${team}`);
    return 0;
  },
};

export const membersRm: Command = {
  noun: 'members',
  verb: 'rm',
  usage: '<team> <email>',
  summary: 'remove a user from a team; admins only',
  options: {},
  positionals: { min: 2, max: 2 },
  async run({ api, positionals, out }) {
    const [team, email] = positionals as [string, string];
    const teamId = await teamResolver(api)(team);
    const member = (await api.listMembers(teamId)).find((m) => m.email.toLowerCase() === email.toLowerCase());
    if (!member) throw new CliError(`${email} is not a member of ${team}`);
    await api.removeMember(teamId, member.userId);
    out(`${member.email} removed from ${team}`);
    return 0;
  },
};

export const projectsLs: Command = {
  noun: 'projects',
  verb: 'ls',
  usage: '[--json]',
  summary: 'list the projects of all your teams, as team/project (the form a sweep file names one by)',
  optionHelp: ['--json  print the projects as a JSON array of ProjectDto'],
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ api, values, out }) {
    const projects = await api.listProjects();
    if (values.json) {
      out(JSON.stringify(projects, null, 2));
      return 0;
    }
    out(
      table(
        [{ header: 'PROJECT' }, { header: 'NAME' }, { header: 'CREATED' }],
        projects.map((p) => [p.path, p.name, minute(p.createdAt)]),
      ),
    );
    return 0;
  },
};

export const projectsCreate: Command = {
  noun: 'projects',
  verb: 'create',
  usage: '<team>/<project> [--name <name>]',
  summary: 'create a project in a team; admins only',
  optionHelp: ['--name <name>  its display name (default: the slug)'],
  options: { name: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ api, values, positionals, out }) {
    const path = positionals[0] as string;
    const [team, slug, ...extra] = path.split('/');
    if (!team || !slug || extra.length) throw new UsageError(`${path}: expected <team>/<project>, e.g. demo/cifar10`);
    const name = stringOption(values, 'name');
    const project = await api.createProject(await teamResolver(api)(team), { slug, ...(name ? { name } : {}) });
    out(`project ${project.path} created`);
    return 0;
  },
};

export const audit: Command = {
  noun: 'audit',
  verb: '',
  usage: '<team> [--limit <n>] [--json]',
  summary: "a team's audit log, newest first: who did what, when, through which key or session; admins only",
  optionHelp: [
    '--limit <n>  list at most n entries (default 50), fetched a page at a time',
    '--json       print the entries as a JSON array of AuditEntryDto',
  ],
  options: { limit: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run({ api, values, positionals, out, note }) {
    const limit = limitOption(values, 50);
    const teamId = await teamResolver(api)(positionals[0] as string);
    const { items, more } = await firstItems(limit, (page) => api.auditPage(teamId, page));
    if (more) note(`showing the newest ${items.length} entries; a larger --limit lists more`);
    if (values.json) {
      out(JSON.stringify(items, null, 2));
      return 0;
    }
    out(
      table(
        [{ header: 'AT' }, { header: 'ACTOR' }, { header: 'VIA' }, { header: 'ACTION' }, { header: 'TARGET' }],
        items.map((entry) => [
          new Date(entry.at).toISOString().replace(/\.\d+Z$/, 'Z'),
          entry.actor.email ?? (entry.actor.userId ? shortId(entry.actor.userId) : 'worker'),
          `${entry.via.kind} ${entry.via.prefix}`,
          entry.action,
          entry.targetId ? `${entry.targetType} ${shortId(entry.targetId)}` : entry.targetType,
        ]),
      ),
    );
    return 0;
  },
};
