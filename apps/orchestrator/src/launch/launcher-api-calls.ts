/**
 * Every Kubernetes API call the Job launcher (kubernetes-job-launcher.ts) and its watcher (kubernetes-job-watcher.ts) make, as RBAC names them: infra/k8s's Role must grant each
 * (test/k8s/manifests.test.ts derives its check from this list, so the two cannot drift).
 */
export const LAUNCHER_API_CALLS = [
  { apiGroup: 'batch', resource: 'jobs', verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroup: '', resource: 'secrets', verbs: ['create', 'get'] },
  { apiGroup: '', resource: 'pods', verbs: ['list', 'watch'] },
] as const;
