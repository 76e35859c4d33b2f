/**
 * The environment an engine process gets: an allowlist, not the worker's own
 * environment minus a few names. The worker's environment holds what the engine
 * must never see: its enrolment token (RESLAB_ENROLMENT_TOKEN), a user's
 * RESLAB_API_KEY, and, where a worker runs beside the orchestrator as in
 * `make demo`, DATABASE_URL. The engine runs configs any team member writes
 * and reports its stderr back to them, so whatever it can read it can leak; a
 * variable added to a machine's environment later stays out unless it is
 * listed here.
 */

/** Names passed exactly as they are. */
const EXACT = new Set([
  // A process needs these to find programs and libraries, and to read and write text in the right locale and zone.
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'XDG_CACHE_HOME', // torch.compile and triton keep their caches under it
  // CUDA's libraries are found through it on most GPU machines that do not install them system-wide.
  'LD_LIBRARY_PATH',
  // Python: determinism (hash seed), no .pyc beside a read-only engine, faulthandler tracebacks on a hard crash.
  'PYTHONPATH',
  'PYTHONUNBUFFERED',
  'PYTHONHASHSEED',
  'PYTHONDONTWRITEBYTECODE',
  'PYTHONFAULTHANDLER',
  'PYTHONWARNINGS',
  'PYTHONIOENCODING',
  // cuBLAS determinism (torch.use_deterministic_algorithms needs ":4096:8" or ":16:8").
  'CUBLAS_WORKSPACE_CONFIG',
  // `data.download` fetches over HTTP(S); behind a proxy it needs these, and a private CA bundle.
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  // What libs/engine reads (cli.py, config.py, data/locate.py); the worker sets the first three itself.
  'RESLAB_EXIT_WITH_PARENT',
  'RESLAB_PARENT_PID',
  'RESLAB_DATA_DIRS',
  'RESLAB_DATA_DIR',
  'RESLAB_CONTRACTS_DIR',
]);

/** Families passed by prefix: locale, thread pools, the GPU stack, and the engine's own knobs. */
const PREFIXES = [
  'LC_',
  // Thread pools of torch's CPU kernels: OMP_NUM_THREADS, MKL_NUM_THREADS, KMP_AFFINITY, OPENBLAS_NUM_THREADS.
  'OMP_',
  'MKL_',
  'KMP_',
  'OPENBLAS_',
  // CUDA_VISIBLE_DEVICES (set per slot by the worker), CUDA_LAUNCH_BLOCKING, the container runtime's NVIDIA_*.
  'CUDA_',
  'NVIDIA_',
  'PYTORCH_', // PYTORCH_CUDA_ALLOC_CONF
  'TORCH_', // TORCH_HOME, TORCH_LOGS
  'TORCHINDUCTOR_',
  'TRITON_',
  // RESLAB_ENGINE_COMMAND's engine may read knobs of its own under this prefix.
  'RESLAB_ENGINE_',
  // The FAKE engine of the scheduler tests (test/support/fake-engine.mjs): epoch time, bad lines, event times.
  'RESLAB_FAKE_',
];

/**
 * A second wall: a name that matches a prefix above but reads like a credential
 * (NVIDIA_API_KEY, TORCH_HUB_TOKEN) stays out all the same.
 */
const SECRET_LOOKING = /SECRET|TOKEN|PASSW|API_?KEY|CREDENTIAL|DATABASE_URL/i;

const PROXY = /^(HTTPS?|NO)_PROXY$/i;

/** Whether the engine gets `name` from the worker's environment (with this `value`). */
export function engineMayRead(name: string, value = ''): boolean {
  if (SECRET_LOOKING.test(name)) return false;
  // A proxy URL may carry the proxy's password (http://user:pass@host:3128): that one stays out.
  if (PROXY.test(name) && /\/\/[^/@]*@/.test(value)) return false;
  return EXACT.has(name) || PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * The engine's environment: the allowed part of `inherited` (the worker's
 * process.env), then `set`, which the worker decides (PYTHONPATH, the parent
 * pid, the GPU, the data folders) and which wins over an inherited value.
 */
export function engineEnvironment(
  inherited: Record<string, string | undefined>,
  set: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && engineMayRead(name, value)) env[name] = value;
  }
  return { ...env, ...set };
}
