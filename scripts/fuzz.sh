#!/usr/bin/env bash
# Runs each cargo-fuzz target (fuzz/fuzz_targets/) for SECONDS seconds (default 60), with a
# seed corpus made from the plans of plans/ and tests/, and prints each target's executions.
# A crash, a stack overflow, an out-of-memory or an input that runs longer than 10 s stops
# the target and fails the script; the input is kept in fuzz/artifacts/TARGET/.
# Needs the nightly toolchain; installs cargo-fuzz when it is missing.
#   scripts/fuzz.sh 600            ten minutes per target
#   TARGETS=compile scripts/fuzz.sh 30
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets="${TARGETS:-compile command_inputs import_compose init}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi

# Seeds: every plan the repository ships or tests; for command_inputs, each plan as a `new`
# input (first byte even) and file lists as `affected --files` input (first byte odd); for
# import_compose, every compose file the tests import; for init, each repository of
# tests/fixtures/init.
seed() {
    local target="$1" dir="fuzz/corpus/$1"
    mkdir -p "$dir"
    local i=0
    if [ "$target" = init ]; then
        # Each fixture repository as one input: `PATH` lines, each followed by the file's text.
        for repo in tests/fixtures/init/*/; do
            i=$((i + 1))
            (cd "$repo" && find . -type f | sort | sed 's|^\./||' |
                while IFS= read -r file; do printf '%s\n' "$file"; head -c 4000 "$file"; printf '\n--8<--\n'; done) \
                >"$dir/seed-$i"
        done
        return
    fi
    if [ "$target" = import_compose ]; then
        while IFS= read -r -d '' file; do
            i=$((i + 1))
            cp "$file" "$dir/seed-$i.yml"
        done < <(find tests -name '*.yml' -path '*compose*' -print0 | sort -z)
        return
    fi
    while IFS= read -r -d '' plan; do
        i=$((i + 1))
        if [ "$target" = compile ]; then
            cp "$plan" "$dir/seed-$i.kdl"
        else
            { printf '\0'; cat "$plan"; } >"$dir/seed-new-$i"
        fi
    done < <(find plans tests -name '*.kdl' -print0 | sort -z)
    if [ "$target" = command_inputs ]; then
        printf '\001a/main.py\nb/package.json\n' >"$dir/seed-files-1"
        printf '\001"a/caf\\303\\251.txt"\r\n/abs/a/x\n' >"$dir/seed-files-2"
        printf '\001a/x\0b/y z\0' >"$dir/seed-files-3"
    fi
}

status=0
for target in $targets; do
    seed "$target"
    mkdir -p "fuzz/artifacts/$target"
    log="fuzz/artifacts/$target/last-run.log"
    echo "fuzzing $target for ${seconds}s"
    # No sanitizer: the code is safe Rust (`unsafe_code = "deny"`); a panic, a stack overflow
    # (SIGSEGV), an out-of-memory and a timeout are still caught, at several times the speed.
    if cargo +nightly fuzz run --sanitizer none "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=262144 \
        -print_final_stats=1 >"$log" 2>&1; then
        echo "  $target: $(grep -am1 'stat::number_of_executed_units' "$log" | awk '{print $2}') executions, no finding"
    else
        status=1
        echo "  $target: FINDING (see $log)"
        grep -aE 'ERROR|panicked|Test unit written|signal' "$log" | head -5 | sed 's/^/    /' || true
        # A stack overflow kills the process before libFuzzer can save the input (no
        # sanitizer): rerun with `--sanitizer address` to catch it with its input.
    fi
done
exit "$status"
