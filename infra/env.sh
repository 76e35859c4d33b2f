# Sourced by the infra scripts and read by the Makefile: the project's defaults, in one place.
# DATABASE_URL points at the project-owned cluster that infra/postgres/ensure-postgres.sh starts.
export RESLAB_PG_PORT=${RESLAB_PG_PORT:-55432}
export RESLAB_DEFAULT_DATABASE_URL="postgresql://reslab:reslab@127.0.0.1:${RESLAB_PG_PORT}/reslab"
export DATABASE_URL=${DATABASE_URL:-$RESLAB_DEFAULT_DATABASE_URL}
