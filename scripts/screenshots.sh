#!/usr/bin/env bash
# Regenerate the README's screenshots (docs/screenshots/*.png, 1200 x 800, optimised): the app on
# local settings over a fresh SQLite database seeded with the small demo data (the embedded
# defaults: in-process cache, SQL graph), photographed by Debian's headless Chromium through
# scripts/screenshots.py.
#   SCREENSHOTS_DATABASE_URL=postgres://...  photograph an already seeded database instead
#   OUT=folder                               write the PNGs elsewhere (default docs/screenshots)
#   PORT=8765                                the development server's port
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

OUT=${OUT:-docs/screenshots}
PORT=${PORT:-8765}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
SERVER=""

cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Lossy palette PNGs (pngquant) keep text sharp at a fifth of the size; optipng is lossless.
optimise() {
  if command -v pngquant >/dev/null || apt_install pngquant; then
    pngquant --force --skip-if-larger --strip --quality 70-95 --ext .png "$@" || true
  elif command -v optipng >/dev/null; then
    optipng -quiet -o2 "$@"
  else
    say "neither pngquant nor optipng: the PNGs stay as Chromium wrote them"
  fi
}

ensure_venv
ensure_chromium
command -v chromium >/dev/null && command -v chromedriver >/dev/null \
  || die "screenshots need Debian's chromium and chromium-driver"

export DJANGO_SETTINGS_MODULE=config.settings.local
unset REDIS_URL NEO4J_BOLT_URL
if [ -n "${SCREENSHOTS_DATABASE_URL:-}" ]; then
  export DATABASE_URL=$SCREENSHOTS_DATABASE_URL
  say "photographing the database at $DATABASE_URL"
else
  export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
  say "a fresh SQLite database with the small demo data"
  "$PY" manage.py migrate --no-input --verbosity 0
  "$PY" manage.py seed_demo --size small >"$WORK/seed.log" || { cat "$WORK/seed.log"; die "seed_demo failed"; }
fi

say "starting the development server on $BASE/"
"$PY" manage.py runserver --noreload "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 60); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; die "the server exited"; }
  sleep 0.5
done

say "photographing into $OUT/"
LOG_LEVEL=WARNING "$PY" scripts/screenshots.py "$BASE" "$OUT"
optimise "$OUT"/*.png
ls -l "$OUT"/*.png | awk '{printf "  %7d bytes  %s\n", $5, $9}'
for png in "$OUT"/*.png; do
  [ "$(stat -c %s "$png")" -le 153600 ] || say "warning: $png is over 150 KB"
done
