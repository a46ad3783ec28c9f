#!/usr/bin/env bash
# Regenerates the CRD bindings in imports/ from the pinned CRD copies in
# $SHARED_DIR/crds (default ../shared/crds; CRDS_DIR overrides the folder
# itself), offline. With network access, `npx cdk8s import` reads the same
# list from cdk8s.yaml (upstream URLs at the same commits).
# IMPORT_ONLY=<prefix>[,<prefix>...] regenerates only those bindings.
#
# Each CRD file is first re-read with js-yaml and re-serialised: cdk8s-cli's own
# YAML reader (like the strict `yaml` package) mis-parses some upstream files
# (flagger's crd.yaml continues quoted scalars at the key's indentation, which
# go-yaml and js-yaml accept); the round-trip is lossless for data.
#
# `cdk8s import` appends every import it runs to the cdk8s.yaml of its working
# directory (stripping its comments): it runs in a scratch folder, so the
# project's cdk8s.yaml stays byte for byte as committed.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$(pwd)
crds="${CRDS_DIR:-${SHARED_DIR:-../shared}/crds}"
if [ ! -d "$crds" ]; then
  echo "import: CRD folder ${crds} not found; put the shared folder beside the project, or set SHARED_DIR (or CRDS_DIR) to it" >&2
  exit 1
fi
crds=$(cd "$crds" && pwd)
only=",${IMPORT_ONLY:-},"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
found=0
while IFS=$'\t' read -r prefix file _url; do
  if [ "$only" != ",," ] && [[ "$only" != *",${prefix},"* ]]; then continue; fi
  found=$((found + 1))
  if [ ! -f "${crds}/${file}" ]; then
    echo "import: ${crds}/${file} not found (listed for ${prefix} in scripts/crds.tsv)" >&2
    exit 1
  fi
  node -e '
    const fs = require("fs"); const YAML = require("yaml"); const jsyaml = require("js-yaml");
    const docs = jsyaml.loadAll(fs.readFileSync(process.argv[1], "utf8")).filter(Boolean);
    fs.writeFileSync(process.argv[2], docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join("---\n"));
  ' "${crds}/${file}" "${tmp}/${file}"
  (cd "$tmp" && CDK8S_CHECK_UPGRADE=false "${project}/node_modules/.bin/cdk8s" import "${prefix}:=${tmp}/${file}" -o "${project}/imports" -l typescript >/dev/null 2>"${tmp}/err") || { cat "${tmp}/err" >&2; exit 1; }
  echo "imported ${prefix} from ${file}"
done < <(grep -v '^#' scripts/crds.tsv)
if [ "$found" = 0 ]; then
  echo "import: IMPORT_ONLY=${IMPORT_ONLY} names no prefix in scripts/crds.tsv" >&2
  exit 1
fi
