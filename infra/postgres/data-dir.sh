# Sourced by ensure-postgres.sh and stop-postgres.sh: where the project's
# cluster keeps its data. Default: .reslab/pgdata in the checkout. As root, the
# server runs as the postgres user, which cannot enter a checkout under a
# closed folder such as /root; the cluster then lives under postgres's home,
# in a folder named after the checkout's path so two checkouts never share one.
reslab_pgdata_dir() {
  local root=$1
  if [ -n "${RESLAB_PGDATA:-}" ]; then echo "$RESLAB_PGDATA"; return; fi
  if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$root" 2>/dev/null; then
    echo "$root/.reslab/pgdata"
  else
    echo "/var/lib/postgresql/reslab-$(echo -n "$root" | sha1sum | cut -c1-10)/pgdata"
  fi
}
