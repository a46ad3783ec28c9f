#!/usr/bin/env bash
# Regenerates the CRD bindings in imports/ from the pinned CRD copies in
# ../shared/crds (offline). With network access, `npx cdk8s import` reads the
# same list from cdk8s.yaml (upstream URLs at the same commits).
#
# Each CRD file is first re-read with js-yaml and re-serialised: cdk8s-cli's own
# YAML reader (like the strict `yaml` package) mis-parses some upstream files
# (flagger's crd.yaml continues quoted scalars at the key's indentation, which
# go-yaml and js-yaml accept); the round-trip is lossless for data.
set -euo pipefail
cd "$(dirname "$0")/.."
crds="${CRDS_DIR:-${SHARED_DIR:-../shared}/crds}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' scripts/crds.tsv | while IFS=$'\t' read -r prefix file _url; do
  node -e '
    const fs = require("fs"); const YAML = require("yaml"); const jsyaml = require("js-yaml");
    const docs = jsyaml.loadAll(fs.readFileSync(process.argv[1], "utf8")).filter(Boolean);
    fs.writeFileSync(process.argv[2], docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join("---\n"));
  ' "${crds}/${file}" "${tmp}/${file}"
  CDK8S_CHECK_UPGRADE=false npx cdk8s import "${prefix}:=${tmp}/${file}" -o imports -l typescript >/dev/null 2>"${tmp}/err" || { cat "${tmp}/err"; exit 1; }
  echo "imported ${prefix} from ${file}"
done
