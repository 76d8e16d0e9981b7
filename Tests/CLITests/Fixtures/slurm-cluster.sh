#!/usr/bin/env bash
# A one-node Slurm cluster for tests (Debian slurm-wlm and munge, as root, no systemd).
#   slurm-cluster.sh start DIR   writes configuration under DIR, starts munged, slurmctld, slurmd;
#                                prints the path of slurm.conf once the node is idle
#   slurm-cluster.sh stop DIR    stops the daemons by the PIDs in their pid files
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?directory}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

stop() {
  for f in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munge/munged.pid; do
    if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  sleep 0.5
  for f in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munge/munged.pid; do
    if [ -f "$f" ]; then kill -9 "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; fi
  done
}

# Starts a daemon without the descriptors this script inherited: a caller may detect the
# script's exit through one of them (Foundation's Process does), and a daemon holding it open
# would make the script look alive forever.
detached() {
  ( for fd in /proc/self/fd/*; do
      n=${fd##*/}
      if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-" 2>/dev/null || true; fi
    done
    exec "$@" </dev/null >/dev/null 2>&1 )
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
for tool in munged mungekey slurmctld slurmd sbatch; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install munge slurmctld slurmd slurm-client" >&2; exit 3; }
done

mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/logs"
chmod 755 "$dir" "$dir/munge"
[ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
chmod 600 "$dir/munge/munge.key"
detached munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" --force

node=$(hostname -s)
cat > "$dir/slurm.conf" <<CONF
ClusterName=clvbench-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/logs/slurmctld.log
SlurmdLogFile=$dir/logs/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
SchedulerParameters=batch_sched_delay=0
MinJobAge=3600
ReturnToService=2
CONF

export SLURM_CONF="$dir/slurm.conf"
detached slurmctld -f "$SLURM_CONF"
detached slurmd -f "$SLURM_CONF"
for _ in $(seq 1 100); do
  state=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
  if [ "$state" = idle ]; then echo "$SLURM_CONF"; exit 0; fi
  sleep 0.1
done
echo "the Slurm node did not become idle; logs in $dir/logs" >&2
stop
exit 1
