#!/bin/sh
# The Slurm recipe of README.md ("CI and scale-out"), end to end on one machine: starts a
# one-node Slurm cluster (Debian's slurm-wlm and munge; `apt-get install slurm-wlm munge`), runs
# a sweep as a 4-task job array (task I runs --shard I/4), merges the shards in a job that
# depends on the array, and compares the merge with the unsharded sweep. Run by hand, as root
# (munged and slurmd need it), not by ctest: it starts daemons. Everything it creates is under
# one temporary folder (configuration, state, logs, sockets, outputs), nothing in /etc, and the
# daemons it started are stopped on exit.
# Usage: slurm_array.sh FAULTLINE SOURCE_DIR [SCENARIO] [SEEDS]
set -eu
fl=$(readlink -f "$1")
src=$(readlink -f "$2")
scn=${3:-scenarios/raft/bugs/vote-twice-per-term.fl}
seeds=${4:-1..40}
for c in munged slurmctld slurmd sbatch squeue; do
  command -v $c >/dev/null 2>&1 || { echo "slurm_array: $c not found (apt-get install slurm-wlm munge)"; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "slurm_array: run as root (munged and slurmd need it)"; exit 2; }

tmp=$(mktemp -d /tmp/fl-slurm-XXXXXX)
chmod 755 "$tmp"
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  sleep 1
  echo "slurm_array: logs and outputs kept in $tmp"
}
trap cleanup EXIT

# munge: its own key, socket and files (no system munged needed).
mkdir -p "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 700 "$tmp/munge"
chmod 400 "$tmp/munge/munge.key"
munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
  --seed-file="$tmp/munge/munged.seed"
pids="$pids $(cat "$tmp/munge/munged.pid")"

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/out"
cat >"$tmp/slurm.conf" <<CONF
ClusterName=faultline
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
: >"$tmp/cgroup.conf"
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -f "$SLURM_CONF" -i
sleep 1
pids="$pids $(cat "$tmp/slurmctld.pid")"
slurmd -f "$SLURM_CONF"
sleep 2
pids="$pids $(cat "$tmp/slurmd.pid" 2>/dev/null || true)"
sinfo

cd "$src"
# The array: task I is shard I/4 (Slurm numbers tasks as --array says: here 1 to 4). A sweep
# exits 1 when a seed fails: a result, so the task ends 0 and merge decides.
t0=$(date +%s.%N)
array=$(sbatch --parsable --array=1-4 --cpus-per-task=1 --output="$tmp/out/shard-%a.log" \
  --wrap "nice \"$fl\" sweep \"$scn\" --seeds $seeds --shard \${SLURM_ARRAY_TASK_ID}/4 --jobs 1 \
          --json \"$tmp/out/shard-\${SLURM_ARRAY_TASK_ID}.json\" || [ \$? -eq 1 ]")
merge=$(sbatch --parsable --dependency=afterany:$array --output="$tmp/out/merge.log" \
  --wrap "'$fl' merge '$tmp'/out/shard-*.json --json '$tmp/out/merged.json' \
          --junit '$tmp/out/merged.xml'; echo merge exit status \$?")
echo "slurm_array: array job $array, merge job $merge"
while squeue -h -j "$array,$merge" 2>/dev/null | grep -q .; do sleep 1; done
t1=$(date +%s.%N)
cat "$tmp/out/merge.log"

"$fl" sweep "$scn" --seeds $seeds --jobs 2 --json "$tmp/out/all.json" --junit "$tmp/out/all.xml" \
  >/dev/null || [ $? -eq 1 ]
untimed() { sed -E 's/("wall_s" : |time=")[0-9.]+/\1T/' "$1"; }
for f in json xml; do
  untimed "$tmp/out/all.$f" >"$tmp/a"
  untimed "$tmp/out/merged.$f" >"$tmp/b"
  diff -u "$tmp/a" "$tmp/b" || { echo "slurm_array: the merged $f differs"; exit 1; }
done
echo "slurm_array: 4 array tasks of $seeds merged = the unsharded sweep (JSON and JUnit);" \
  "$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s from sbatch to the merge's end"
