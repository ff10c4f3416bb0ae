#!/usr/bin/env bash
# scripts/sweep.sbatch on a real, one-node Slurm cluster started on this machine (`make test-slurm`).
#
# Installs slurm-wlm and munge when missing (Debian, as root), starts munged, slurmctld and slurmd
# in a temporary folder (their own ports, state, spool and logs, a generated slurm.conf and munge
# key), then:
#   round 1  submits a 12-point sweep with scripts/sweep.sbatch (an array of 4 tasks and a collect
#            job that waits for it) and compares curves.csv and summary.csv byte for byte with the
#            same sweep run by one process;
#   round 2  submits the array alone, cancels one task mid-run (scancel), waits for the others,
#            resubmits with scripts/sweep.sbatch, and checks that only the missing points ran
#            (every point file written before the resubmission is untouched) and that the result
#            is again identical.
# Every daemon it started is stopped by PID, and its folder removed, also when a step fails.
# Skips (exit 0, with the reason) only where it is not root or has neither Slurm nor apt-get.
# BIN=path/to/adam-bench tests another build (default: the release build of `make build`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)
say() { printf 'slurm-local: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

if [[ $(id -u) -ne 0 ]]; then say "SKIP: needs root to run slurmctld and slurmd (CI runs as root)"; exit 0; fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    if ! command -v apt-get >/dev/null; then say "SKIP: Slurm is not installed and there is no apt-get to install it"; exit 0; fi
    say "installing slurm-wlm and munge (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq slurm-wlm munge >/dev/null \
        || fail "apt-get install slurm-wlm munge failed"
fi
bin=${BIN:-$(swift build -c release --show-bin-path $(make -s print-flags))/adam-bench}
[[ -x $bin ]] || fail "no adam-bench at $bin (run make build first, or set BIN)"
bin=$(realpath "$bin")  # jobs run in another folder

work=$(mktemp -d /tmp/adam-bench-slurm.XXXXXX)
chmod 700 "$work"
pids=()
cleanup() {
    local status=$?
    if [[ -n ${SLURM_CONF:-} ]] && ((${#pids[@]})); then scancel --quiet --user=root 2>/dev/null || true; fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    # Job steps that outlived slurmd (slurmstepd of this cluster only: they run in $work).
    pkill -9 -f "adam-bench sweep $work/" 2>/dev/null || true
    if ((status != 0)) && [[ -d $work/log ]]; then
        for f in "$work"/log/*.log "$work"/jobs/slurm-*.out; do
            [[ -f $f ]] && { say "--- tail of $f"; tail -n 15 "$f" >&2 || true; }
        done
    fi
    rm -rf "$work"
    say "stopped ${#pids[@]} daemons, removed $work ($(( $(date +%s) - started )) s in all)"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the cluster --------------------------------------------------------------------------------
mkdir -p "$work"/{munge,state,spool,log,jobs} && chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
socket=$work/munge/munge.socket
munged --force --foreground --socket="$socket" --key-file="$work/munge/munge.key" \
    --log-file="$work/log/munged.log" --pid-file="$work/munge/munged.pid" --seed-file="$work/munge/seed" \
    >/dev/null 2>&1 &
pids+=($!)

free_port() {  # a TCP port nothing listens on, above $1
    local p=$1
    while ss -Hltn "sport = :$p" | grep -q . || ss -Hltn "sport = :$((p + 1))" | grep -q .; do p=$((p + 2)); done
    echo "$p"
}
ctld_port=$(free_port $((20000 + RANDOM % 20000)))
slurmd_port=$(free_port $((ctld_port + 2)))
host=$(hostname -s)
node=$(slurmd -C | head -n 1)  # NodeName=HOST CPUs=… RealMemory=…, as slurmd sees this machine
cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<< "$node")
export SLURM_CONF=$work/slurm.conf
cat > "$SLURM_CONF" <<EOF
ClusterName=adam-bench-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool/%n
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=3600
SlurmctldTimeout=30
SlurmdTimeout=30
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
for _ in $(seq 50); do [[ -S $socket ]] && break; sleep 0.1; done
[[ -S $socket ]] || fail "munged did not start"
slurmctld -D -i -f "$SLURM_CONF" >/dev/null 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 150); do
    state=$(sinfo -h -N -o %T 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.2
done
[[ ${state:-} == idle ]] || fail "the node did not come up (sinfo: ${state:-nothing})"
say "cluster up in $(( $(date +%s) - started )) s: munged, slurmctld (port $ctld_port), slurmd (port $slurmd_port), node $host with $cpus CPUs"

# --- the sweep ----------------------------------------------------------------------------------
# A generated data set in svmlight format (the real format; no download): 4,500 rows of 40
# features, two classes from a noisy linear rule. The same file feeds every run.
awk 'BEGIN { srand(7); for (i = 0; i < 4500; i++) { s = 0; line = "";
        for (j = 1; j <= 40; j++) { x = rand() * 2 - 1; s += (j % 3 - 1) * x; if (rand() < 0.5) line = line " " j ":" sprintf("%.4f", x) }
        printf "%d%s\n", (s + rand() - 0.5 > 0) ? 1 : -1, line } }' > "$work/jobs/train.svm"
config=$work/jobs/sweep.json
cat > "$config" <<EOF
{"name": "slurm-sweep", "description": "12-point sweep for the local Slurm test",
 "dataset": {"name": "libsvm", "train": "$work/jobs/train.svm", "features": 40, "labels": [-1, 1]},
 "model": {"kind": "mlp", "hidden": [512]},
 "training": {"epochs": 30, "batch_size": 16, "seed": 1, "eval_every_epochs": 5},
 "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.001}],
 "sweep": {"arm": "adam", "grid": {"lr": [0.0001, 0.001, 0.01], "beta1": [0, 0.9], "bias_correction": [true, false]}}}
EOF
points=12
tasks=4
point_files() { ls "$1/slurm-sweep/points/"*.point 2>/dev/null | wc -l; }

t0=$(date +%s.%N)
"$bin" sweep "$config" --out "$work/one" --threads 1 --quiet
say "one process: 12 points in $(since "$t0") s"

wait_for() {  # job ids...: until none of them is pending or running
    local deadline=$(( $(date +%s) + 600 ))
    local queue
    while queue=$(squeue -h -j "$(IFS=,; echo "$*")" -o '%i %r' 2>/dev/null) && [[ -n $queue ]]; do
        if grep -q DependencyNeverSatisfied <<< "$queue"; then
            fail "a job's dependency can never be satisfied (a task failed): $(for j in "$@"; do states "$j"; done)"
        fi
        (( $(date +%s) < deadline )) || fail "jobs $* still running after 10 minutes"
        sleep 1
    done
}
states() {  # job id: "ID STATE" for the job, or "ARRAYID_TASK STATE" for each task of an array
    scontrol -o show job "$1" | awk '{ id = ""; task = ""; array = ""; state = ""
        for (i = 1; i <= NF; i++) { split($i, kv, "=")
            if (kv[1] == "JobId") id = kv[2]; if (kv[1] == "ArrayJobId") array = kv[2]
            if (kv[1] == "ArrayTaskId") task = kv[2]; if (kv[1] == "JobState") state = kv[2] }
        print (task != "" ? array "_" task : id) " " state }' | sort -V | paste -sd ',' | sed 's/,/, /g'
}
same_results() {  # folder: curves.csv and summary.csv equal to the one-process run's
    for f in curves.csv summary.csv; do
        cmp -s "$work/one/slurm-sweep/$f" "$1/slurm-sweep/$f" || fail "$1/slurm-sweep/$f differs from the one-process run"
    done
}

# Round 1: the array and its collect job, as a user submits them.
cd "$work/jobs"
t0=$(date +%s.%N)
submitted=$(ADAM_BENCH=$bin SWEEP_SBATCH_OPTIONS="--cpus-per-task=1" "$root/scripts/sweep.sbatch" "$config" "$work/round1" "$tasks")
say "round 1: $submitted"
array=$(sed -n 's/^array job \([0-9]*\).*/\1/p' <<< "$submitted")
collect=$(sed -n 's/.*collect job \([0-9]*\).*/\1/p' <<< "$submitted")
wait_for "$array" "$collect"
say "round 1: finished in $(since "$t0") s; states: $(states "$array") $(states "$collect")"
[[ $(scontrol -o show job "$collect") == *JobState=COMPLETED* ]] || fail "the collect job did not complete"
[[ $(point_files "$work/round1") -eq $points ]] || fail "round 1 wrote $(point_files "$work/round1") of $points point files"
same_results "$work/round1"
say "round 1: curves.csv and summary.csv identical to the one-process run"

# Round 2: cancel task 1 while it runs, then resubmit.
t0=$(date +%s.%N)
array=$(sbatch --parsable --cpus-per-task=1 --array="0-$((tasks - 1))" --export=ALL,ADAM_BENCH="$bin" \
    "$root/scripts/sweep.sbatch" "$config" "$work/round2")
array=${array%%;*}
for _ in $(seq 300); do
    [[ $(squeue -h -j "${array}_1" -o %T 2>/dev/null) == RUNNING ]] && break
    sleep 0.1
done
sleep 1
scancel "${array}_1"
say "round 2: array job $array, task 1 cancelled while running"
wait_for "$array"
say "round 2: states after the cancel: $(states "$array")"
[[ $(scontrol -o show job "${array}_1") == *JobState=CANCELLED* ]] || fail "task 1 was not cancelled mid-run (it may have finished first)"
before=$(cd "$work/round2/slurm-sweep/points" && stat -c '%n %Y.%y' *.point | sort)
had=$(wc -l <<< "$before")
((had < points)) || fail "nothing was missing after the cancel"
submitted=$(ADAM_BENCH=$bin SWEEP_SBATCH_OPTIONS="--cpus-per-task=1" "$root/scripts/sweep.sbatch" "$config" "$work/round2" "$tasks")
say "round 2: resubmitted: $submitted"
array2=$(sed -n 's/^array job \([0-9]*\).*/\1/p' <<< "$submitted")
collect=$(sed -n 's/.*collect job \([0-9]*\).*/\1/p' <<< "$submitted")
wait_for "$array2" "$collect"
say "round 2: states: $(states "$array2") $(states "$collect")"
[[ $(point_files "$work/round2") -eq $points ]] || fail "round 2 wrote $(point_files "$work/round2") of $points point files"
after=$(cd "$work/round2/slurm-sweep/points" && stat -c '%n %Y.%y' *.point | sort)
while read -r line; do
    grep -qxF "$line" <<< "$after" || fail "point ${line%% *} was finished before the resubmission but was written again"
done <<< "$before"
same_results "$work/round2"
say "round 2: $had of $points points were finished before the resubmission and untouched; the other $((points - had)) ran; results identical to the one-process run ($(since "$t0") s)"
say "PASS in $(( $(date +%s) - started )) s"
